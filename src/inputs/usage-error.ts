import { outward } from '../report/outward.js';

/**
 * The errors the tool expects, each with its exit status: a UsageError about how it was called
 * or what the machine lacks (2), a BuildFailure about its inputs (1, src/build/failure.ts).
 * Anything else is a bug in the tool, and only that is reported as an internal error.
 */
export abstract class ExpectedError extends Error {
  abstract readonly exitStatus: number;
}

/** A problem with how the tool was called or with its environment: one line, exit status 2. */
export class UsageError extends ExpectedError {
  override name = 'UsageError';
  readonly exitStatus = 2;
}

/** The exit status of a bug (sysexits' EX_SOFTWARE), distinct from every status the tool means. */
export const INTERNAL_ERROR_STATUS = 70;

/** An error as the one line the user sees, printable and masked: an expected error as it is, anything else as an internal error. */
export function errorLine(error: unknown): string {
  const message = error instanceof ExpectedError ? error.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
  return outward(message.split('\n')[0] ?? '');
}

export function exitStatus(error: unknown): number {
  return error instanceof ExpectedError ? error.exitStatus : INTERNAL_ERROR_STATUS;
}
