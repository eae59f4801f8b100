/**
 * A build that cannot go on because of its inputs (no compatible wheel, a hash mismatch, a
 * failing rpmbuild): reported, with exit status 1, as opposed to a UsageError about how the
 * tool was called or what the machine lacks (exit status 2).
 */
export class BuildFailure extends Error {
  override name = 'BuildFailure';
}
