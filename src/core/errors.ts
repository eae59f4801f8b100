import { countBySeverity, type Finding } from './finding.js';
import { outward } from './outward.js';

/**
 * The errors the tool expects, each with its exit status: a UsageError about how it was called
 * or what the machine lacks (2), a BuildFailure about its inputs (1).
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

/**
 * A build or an audit that cannot go on because of its inputs (no compatible wheel, a hash
 * mismatch, a failing rpmbuild, an unreadable payload): reported, with exit status 1, as
 * opposed to a UsageError about how the tool was called or what the machine lacks (exit status 2).
 */
export class BuildFailure extends ExpectedError {
  override name = 'BuildFailure';
  readonly exitStatus = 1;

  /** `log`: the failed tool's whole output, kept in the output directory under its name. */
  constructor(message: string, readonly log?: { name: string; text: string }) {
    super(message);
  }
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

/**
 * The exit status of a run that reports findings, the same for every command: 1 (as a
 * BuildFailure) when the run stopped or any finding is an error no waiver covers, else 0.
 */
export function findingsExitStatus(findings: readonly Finding[], stopped = false): 0 | 1 {
  return stopped || countBySeverity(findings).errors > 0 ? 1 : 0;
}
