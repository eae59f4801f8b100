import { outward } from '../report/outward.js';

/** A problem with how the tool was called or with its environment: one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An error as the one line the user sees: a UsageError as it is, anything else as an internal error. */
export function errorLine(error: unknown): string {
  const message = error instanceof UsageError ? error.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
  return outward(message.split('\n')[0] ?? '');
}
