import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkModuleEnv, effectiveConfig, exceptionsFor, parseConfig } from '../../src/config/config.js';
import { checkCopyFiles, confined, copyDestination } from '../../src/config/copy-files.js';
import { buildMatrix, pairDirectory } from '../../src/plan/matrix.js';
import { platformPlan, skipFindings } from '../../src/plan/platform-plan.js';

const FILE = 'phoreus.yaml';
const lines = (text: string) => parseConfig(FILE, text).findings.map((f) => [f.rule, f.line, f.message]);

describe('phoreus.yaml: packages, platforms and module', () => {
  it('reads skip and forceSource per package and platform, each with its reason', () => {
    const loaded = parseConfig(FILE, [
      'packages:',
      '  skip:',
      '    cudf-cu12:',
      '      linux-aarch64: CUDA packages not supported on ARM nodes',
      '  forceSource:',
      '    parasail:',
      '      linux-aarch64: parasail has no binary wheels for Linux ARM64',
      '',
    ].join('\n'));
    expect(loaded.findings).toEqual([]);
    const config = effectiveConfig(loaded, '3.11');
    expect(exceptionsFor(config.packages.skip, 'linux-aarch64')).toEqual(new Map([['cudf-cu12', 'CUDA packages not supported on ARM nodes']]));
    expect(exceptionsFor(config.packages.skip, 'linux-x64')).toEqual(new Map());
    const plan = platformPlan(config, 'linux-aarch64');
    expect(plan.forceSource).toEqual(new Map([['parasail', 'parasail has no binary wheels for Linux ARM64']]));
    expect(skipFindings(plan, loaded, '3.11')).toEqual([
      expect.objectContaining({ rule: 'PH115', severity: 'warning', file: FILE, line: 4, message: expect.stringContaining('"CUDA packages not supported on ARM nodes"') }),
    ]);
  });

  it('refuses an exception without a reason, at its line', () => {
    expect(lines('packages:\n  skip:\n    cudf-cu12:\n      linux-x64:\n')).toEqual([
      ['PH113', 4, expect.stringContaining('packages.skip.cudf-cu12.linux-x64 needs a reason')],
    ]);
    expect(lines('packages:\n  forceSource:\n    parasail:\n      linux-x64: "  "\n')).toEqual([
      ['PH113', 4, expect.stringContaining('needs a reason')],
    ]);
  });

  it('refuses a platform key that Phoreus does not build for', () => {
    expect(lines('packages:\n  skip:\n    cudf-cu12:\n      macosx-x64: CUDA packages not supported on macOS\n')).toEqual([
      ['PH113', 4, expect.stringContaining('"macosx-x64" in packages.skip.cudf-cu12 is not a Phoreus platform key (linux-x64, linux-aarch64)')],
    ]);
  });

  it('requires both from and to in a copyFiles entry', () => {
    expect(lines('packages:\n  platformSpecific:\n    linux-x64:\n      copyFiles:\n        - from: bin/\n')).toEqual([
      ['PH113', 5, expect.stringContaining('needs "to"')],
    ]);
  });

  it('merges per-interpreter package exceptions over the shared ones, key by key', () => {
    const loaded = parseConfig(FILE, [
      'packages:',
      '  skip:',
      '    tensorflow:',
      '      linux-aarch64: no ARM64 build for 3.11',
      'interpreters:',
      '  "3.10":',
      '    packages:',
      '      skip:',
      '        tensorflow:',
      '          linux-aarch64: no ARM64 build for 3.10 either',
      '          linux-x64: the 3.10 wheels need AVX-512',
      '',
    ].join('\n'));
    expect(loaded.findings).toEqual([]);
    expect(effectiveConfig(loaded, '3.11').packages.skip).toEqual({ tensorflow: { 'linux-aarch64': 'no ARM64 build for 3.11' } });
    expect(effectiveConfig(loaded, '3.10').packages.skip).toEqual({ tensorflow: { 'linux-aarch64': 'no ARM64 build for 3.10 either', 'linux-x64': 'the 3.10 wheels need AVX-512' } });
    expect(skipFindings(platformPlan(effectiveConfig(loaded, '3.10'), 'linux-x64'), loaded, '3.10')[0]?.line).toBe(11);
  });

  it('reads the module text and environment, and refuses PYTHON* variables and site-packages paths (PH204)', () => {
    const loaded = parseConfig(FILE, 'module:\n  whatis: ["Sequence statistics"]\n  help: Run seqstats --help\n  env:\n    SEQSTATS_DATA: /data\n    PYTHONPATH: /opt/shared\n    EXTRA: /usr/lib/python3.11/site-packages\n');
    expect(loaded.findings).toEqual([]);
    expect(effectiveConfig(loaded, '3.11').module).toEqual({
      whatis: ['Sequence statistics'], help: 'Run seqstats --help', env: { SEQSTATS_DATA: '/data', PYTHONPATH: '/opt/shared', EXTRA: '/usr/lib/python3.11/site-packages' },
    });
    expect(checkModuleEnv(loaded).map((f) => [f.rule, f.line])).toEqual([['PH204', 6], ['PH204', 7]]);
  });

  it('builds the matrix from the sanctioned interpreters and the distros', () => {
    expect(buildMatrix({})).toEqual([{ interpreter: '3.10', distro: 'el9' }, { interpreter: '3.11', distro: 'el9' }]);
    expect(buildMatrix({ policy: { interpreters: ['3.11'], distros: ['el8', 'el9', 'fedora-41'] } })).toEqual([
      { interpreter: '3.11', distro: 'el8' }, { interpreter: '3.11', distro: 'el9' }, { interpreter: '3.11', distro: 'fedora-41' },
    ]);
    expect(pairDirectory({ interpreter: '3.10', distro: 'el9' })).toBe('el9-py3.10');
  });
});

describe('copyFiles confinement', () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'phoreus-copyfiles-'));
    mkdirSync(join(project, 'linux-x64/site-packages/custom_module'), { recursive: true });
    writeFileSync(join(project, 'linux-x64/site-packages/custom_module/__init__.py'), '');
    mkdirSync(join(project, 'linux-x64/bin'), { recursive: true });
    writeFileSync(join(project, 'linux-x64/bin/custom_tool'), '#!/bin/sh\n');
    mkdirSync(join(project, 'linked'), { recursive: true });
    symlinkSync('/etc/passwd', join(project, 'linked/passwd'));
    symlinkSync('/etc', join(project, 'etc-link'));
  });

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('resolves {site-packages} for the interpreter, and keeps paths below their roots', () => {
    expect(copyDestination('{site-packages}/', '3.10')).toBe('lib/python3.10/site-packages');
    expect(copyDestination('{site-packages}/custom/x.py', '3.11')).toBe('lib/python3.11/site-packages/custom/x.py');
    expect(copyDestination('bin/', '3.11')).toBe('bin');
    expect(copyDestination('../../etc/', '3.11')).toBeUndefined();
    expect(copyDestination('/usr/lib/python3.11/site-packages', '3.11')).toBeUndefined();
    expect(copyDestination('{site-packages}/../../../../etc', '3.11')).toBeUndefined();
    expect(confined('a/../b')).toBe('b');
    expect(confined('a/../../b')).toBeUndefined();
    expect(confined('')).toBeUndefined();
  });

  const config = (entries: string) => parseConfig(FILE, `packages:\n  platformSpecific:\n    linux-x64:\n      copyFiles:\n${entries}`);

  it('accepts entries inside the project and the venv', () => {
    const loaded = config('        - from: linux-x64/bin/\n          to: bin/\n        - from: linux-x64/site-packages/\n          to: "{site-packages}/"\n');
    expect(loaded.findings).toEqual([]);
    expect(checkCopyFiles(loaded, project)).toEqual([]);
  });

  it('refuses ".." and absolute paths, at the line of the offending key', () => {
    const loaded = config('        - from: ../outside\n          to: bin/\n        - from: linux-x64/bin/\n          to: /usr/bin/\n');
    expect(checkCopyFiles(loaded, project).map((f) => [f.rule, f.line, f.message])).toEqual([
      ['PH113', 5, expect.stringContaining('.from: "../outside" leaves the project')],
      ['PH113', 8, expect.stringContaining('.to: "/usr/bin/" leaves the venv')],
    ]);
  });

  it('refuses symlinks on the way to a source and inside a source directory', () => {
    const loaded = config('        - from: etc-link/hosts\n          to: bin/\n        - from: linked/\n          to: bin/\n');
    const findings = checkCopyFiles(loaded, project);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([['PH113', 5], ['PH113', 7]]);
    expect(findings[1]?.message).toContain('holds the symlink linked/passwd');
  });

  it('refuses a source that does not exist', () => {
    expect(checkCopyFiles(config('        - from: nowhere/\n          to: bin/\n'), project)[0]?.message).toContain('"nowhere/" does not exist');
  });
});

describe('the worked example of docs/configuration.md', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
  const yaml = /```yaml\n# phoreus\.yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';

  it('is a valid configuration whose merge gives what the text says', () => {
    const loaded = parseConfig(FILE, yaml);
    expect(loaded.findings).toEqual([]);
    expect(buildMatrix(loaded.raw)).toHaveLength(6);
    const arm312 = platformPlan(effectiveConfig(loaded, '3.12'), 'linux-aarch64');
    expect([...arm312.skip.keys()].sort()).toEqual(['cudf-cu12', 'tensorflow']);
    expect([...arm312.forceSource.keys()]).toEqual(['parasail']);
    expect(platformPlan(effectiveConfig(loaded, '3.11'), 'linux-aarch64').skip.has('tensorflow')).toBe(false);
    expect(platformPlan(effectiveConfig(loaded, '3.12'), 'linux-x64').copyFiles).toEqual([
      { from: 'linux-x64/bin/', to: 'bin/' }, { from: 'linux-x64/site-packages/', to: '{site-packages}/' },
    ]);
    expect(effectiveConfig(loaded, '3.12').lock).toBe('requirements-3.12.lock');
  });
});
