/** A problem with how the tool was called or with its environment: one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
