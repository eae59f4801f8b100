/**
 * A failing rpmbuild: the real rpmbuild runs a spec whose %build fails, the failure carries
 * its whole output, and the build keeps that output, masked, in the output directory.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BuildFailure } from '../../src/core/errors.js';
import { keepFailureLog } from '../../src/pipeline/build.js';
import { hostArch } from '../../src/plan/distros.js';
import { RPMBUILD_LOG, rpmbuild } from '../../src/rpm/rpmbuild.js';
import { pythonPath } from '../support/processes.js';

const SPEC = `Name: failing
Version: 1.0
Release: 1
Summary: a spec whose build fails
License: MIT

%description
A spec whose build fails.

%build
echo "compiling against https://builder:s3cret-token@index.example/simple"
echo "the step that fails says why" >&2
exit 3

%files
`;

describe('a failing rpmbuild', () => {
  const work = mkdtempSync(join(tmpdir(), 'rpmbuild-log-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('fails with its whole output, which the build keeps in the output directory', async () => {
    const failure = await rpmbuild({
      topdir: join(work, 'topdir'), specName: 'failing.spec', spec: SPEC, sources: {}, tarballs: [],
      dist: '.el9', arch: hostArch(), buildPython: pythonPath('3.11'), epoch: 1_700_000_000,
    }).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(BuildFailure);
    const failed = failure as BuildFailure;
    expect(failed.message).toMatch(/^rpmbuild failed: .*Bad exit status .*%build/);
    expect(failed.log?.name).toBe(RPMBUILD_LOG);
    expect(failed.log?.text).toContain('the step that fails says why');

    const out = join(work, 'out');
    const line = keepFailureLog(failed, out);
    const kept = join(out, RPMBUILD_LOG);
    expect(line).toBe(`${failed.message} (its whole output: ${kept})`);
    const text = readFileSync(kept, 'utf8');
    expect(text).toContain('the step that fails says why');
    expect(text).toContain('compiling against https://***@index.example/simple');
    expect(text).not.toContain('s3cret-token');
  });

  it('writes nothing beside the report for a failure without output', () => {
    const out = join(work, 'quiet');
    expect(keepFailureLog(new BuildFailure('no compatible wheel'), out)).toBe('no compatible wheel');
    expect(existsSync(out)).toBe(false);
  });
});
