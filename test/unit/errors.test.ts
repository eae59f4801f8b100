/** The exit statuses: of the expected errors, of a bug, and of a run that reports findings. */
import { describe, expect, it } from 'vitest';
import { BuildFailure, errorLine, exitStatus, findingsExitStatus, UsageError } from '../../src/core/errors.js';
import { finding } from '../../src/core/finding.js';

describe('exit statuses', () => {
  it('gives 2 for a usage error, 1 for a build failure and 70 for anything else, a bug', () => {
    expect(exitStatus(new UsageError('no such flag'))).toBe(2);
    expect(exitStatus(new BuildFailure('no compatible wheel'))).toBe(1);
    expect(exitStatus(new TypeError('x is undefined'))).toBe(70);
    expect(errorLine(new TypeError('x is undefined\nat y'))).toBe('internal error: x is undefined');
    expect(errorLine(new UsageError('no such flag\nsecond line'))).toBe('no such flag');
  });

  it('fails a run on an error finding no waiver covers, or when it stopped; never on warnings or waived errors', () => {
    const error = finding('PH101', 'requirements.lock', 1, 'missing');
    const warning = finding('PH111', 'requirements.lock', 1, 'pip not pinned');
    const waived = { ...error, waived: { reason: 'accepted', by: 'phoreus.yaml:3' } };
    expect(findingsExitStatus([])).toBe(0);
    expect(findingsExitStatus([warning, waived])).toBe(0);
    expect(findingsExitStatus([warning, error])).toBe(1);
    expect(findingsExitStatus([warning], true)).toBe(1);
  });
});
