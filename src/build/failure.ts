import { ExpectedError } from '../inputs/usage-error.js';

/**
 * A build or an audit that cannot go on because of its inputs (no compatible wheel, a hash
 * mismatch, a failing rpmbuild, an unreadable payload): reported, with exit status 1, as
 * opposed to a UsageError about how the tool was called or what the machine lacks (exit status 2).
 */
export class BuildFailure extends ExpectedError {
  override name = 'BuildFailure';
  readonly exitStatus = 1;
}
