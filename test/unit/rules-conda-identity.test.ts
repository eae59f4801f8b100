/** PH110 (no conda or mamba), PH201 (sanctioned interpreter) and PH207 (safe tool name and version). */
import { describe, expect, it } from 'vitest';
import { condaFileFinding, isCondaFile, scanForCondaCalls, SCANNED_FILE } from '../../src/checks/conda.js';
import { checkInterpreterSanctioned, checkToolName, checkToolVersion } from '../../src/checks/identity.js';

describe('PH110: conda and mamba files', () => {
  it.each([
    'environment.yml',
    'environment.yaml',
    'ci/environment.yml',
    'conda-lock.yml',
    'linux-64.conda-lock.yml',
    'conda-linux-64.lock',
    '.condarc',
    'recipe/meta.yaml',
    'conda-recipe/meta.yaml',
    'conda/meta.yaml',
    'conda_build_config.yaml',
  ])('%s is a conda file', (path) => {
    expect(isCondaFile(path)).toBe(true);
  });

  it.each(['meta.yaml', 'docs/meta.yaml', 'myrecipe/meta.yaml', 'requirements.in', 'environment.yml.orig', 'src/environment.py', 'pyproject.toml'])(
    '%s is not a conda file',
    (path) => {
      expect(isCondaFile(path)).toBe(false);
    },
  );

  it('reports a conda file at line 1 with what to do instead', () => {
    const f = condaFileFinding('recipe/meta.yaml');
    expect(f).toMatchObject({ rule: 'PH110', severity: 'error', file: 'recipe/meta.yaml', line: 1 });
    expect(f.message).toContain('delete it and move its packages into requirements.in');
  });
});

describe('PH110: conda and mamba calls', () => {
  it('reports conda install, mamba create and micromamba activate at their lines', () => {
    const script = `#!/usr/bin/env bash
set -euo pipefail
conda install -y -c bioconda samtools
mamba create -n build python=3.11
eval "$(micromamba shell hook -s bash)" && micromamba activate build
pip install -r requirements.lock
`;
    const found = scanForCondaCalls('scripts/build.sh', script);
    expect(found.map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([
      ['PH110', 'error', 'scripts/build.sh', 3],
      ['PH110', 'error', 'scripts/build.sh', 4],
      ['PH110', 'error', 'scripts/build.sh', 5],
    ]);
    expect(found[0]?.message).toContain('"conda install"');
    expect(found[1]?.message).toContain('"mamba create"');
    expect(found[2]?.message).toContain('"micromamba activate"');
    for (const f of found) expect(f.message).toContain('install from requirements.lock with pip instead');
  });

  it('reports setup-miniconda in a workflow', () => {
    const workflow = `name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: conda-incubator/setup-miniconda@v3
        with:
          python-version: "3.11"
`;
    const found = scanForCondaCalls('.github/workflows/ci.yml', workflow);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'PH110', severity: 'error', file: '.github/workflows/ci.yml', line: 8 });
    expect(found[0]?.message).toContain('setup-miniconda');
  });

  it('ignores commented-out lines', () => {
    const content = `# conda install -c bioconda samtools
    #   mamba create -n x
# - uses: conda-incubator/setup-miniconda@v3
pip install .
`;
    expect(scanForCondaCalls('Makefile', content)).toEqual([]);
  });

  it('does not flag the plain word "conda" in prose', () => {
    const content = `description = "Counts reads; unlike the conda package, it is built with pip."
# conda environments are not supported
summary: works without conda or mamba
`;
    expect(scanForCondaCalls('setup.cfg', content)).toEqual([]);
  });

  it('counts lines across CRLF line endings', () => {
    expect(scanForCondaCalls('build.sh', 'set -e\r\nconda run -n x pytest\r\n').map((f) => f.line)).toEqual([2]);
  });

  it('scans build scripts, CI definitions and Python build files', () => {
    for (const path of ['Makefile', 'Dockerfile', 'scripts/build.sh', '.github/workflows/ci.yml', 'tox.ini', 'pyproject.toml', 'seqstats.spec']) {
      expect(SCANNED_FILE.test(path), path).toBe(true);
    }
    expect(SCANNED_FILE.test('README.md')).toBe(false);
  });
});

describe('PH201: sanctioned interpreters', () => {
  const source = { file: 'phoreus.yaml', line: 3 };

  it('reports an interpreter outside the sanctioned list, at the given source', () => {
    const found = checkInterpreterSanctioned('3.12', ['3.10', '3.11'], source);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'PH201', severity: 'error', file: 'phoreus.yaml', line: 3 });
    expect(found[0]?.message).toContain('Python 3.12 is not a sanctioned interpreter (sanctioned: 3.10, 3.11)');
    expect(found[0]?.message).toContain('add 3.12 to policy.interpreters');
  });

  it('accepts a sanctioned interpreter', () => {
    expect(checkInterpreterSanctioned('3.10', ['3.10', '3.11'], source)).toEqual([]);
    expect(checkInterpreterSanctioned('3.11', ['3.10', '3.11'], source)).toEqual([]);
  });

  it('does not confuse 3.1 with 3.10', () => {
    expect(checkInterpreterSanctioned('3.1', ['3.10', '3.11'], source)).toHaveLength(1);
  });
});

describe('PH207: tool name and version', () => {
  const source = { file: 'pyproject.toml', line: 2 };

  it.each(['seqstats', 'bio', 'seq-stats', 'py3.tool', 'a+b', 'x_1', 'a'.repeat(64)])('accepts tool name %j', (name) => {
    expect(checkToolName(name, source)).toEqual([]);
  });

  it.each([
    ['uppercase', 'SeqStats'],
    ['slash', 'a/b'],
    ['command substitution', '$(rm)'],
    ['RPM macro', '%{macro}'],
    ['empty', ''],
    ['longer than 64', 'a'.repeat(65)],
    ['leading dot', '.hidden'],
    ['trailing separator', 'tool-'],
    ['double separator', 'a--b'],
    ['space', 'seq stats'],
    ['quote', 'a"b'],
  ])('rejects a tool name with %s', (_why, name) => {
    const found = checkToolName(name, source);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'PH207', severity: 'error', file: 'pyproject.toml', line: 2 });
    expect(found[0]?.message).toContain('use lower-case letters and digits');
  });

  it('suggests a safe spelling of an unsafe name', () => {
    expect(checkToolName('SeqStats', source)[0]?.message).toContain('(for example "seqstats")');
  });

  it('shows control characters as "?" and shortens long values in the message', () => {
    const message = checkToolName(`bad\nname${'x'.repeat(200)}`, source)[0]?.message ?? '';
    expect(message).not.toContain('\n');
    expect(message).toContain('bad?name');
    expect(message).toContain('...');
  });

  it.each(['1.2.0', '2.0.0rc1', '1.0+local', '0.1', '2024.01.15', '1.0~beta1', '1.0_1'])('accepts version %j', (version) => {
    expect(checkToolVersion(version, source)).toEqual([]);
  });

  it.each([
    ['a dash', '1.0-1'],
    ['empty', ''],
    ['longer than 64', `1.${'0'.repeat(64)}`],
    ['leading dot', '.1.0'],
    ['command substitution', '$(rm)'],
    ['RPM macro', '%{macro}'],
    ['slash', '1.0/2'],
    ['leading letter', 'v1.0'],
    ['space', '1.0 beta'],
    ['double separator', '1..0'],
  ])('rejects a version with %s', (_why, version) => {
    const found = checkToolVersion(version, source);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'PH207', severity: 'error', file: 'pyproject.toml', line: 2 });
    expect(found[0]?.message).toContain('(no "-"), starting with a digit');
  });
});
