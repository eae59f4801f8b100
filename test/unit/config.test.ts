/** phoreus.yaml: parsing and validation (PH113), merging of per-interpreter overrides, PH201 for overrides. */
import { describe, expect, it } from 'vitest';
import { checkOverrideKeys, DEFAULT_SANCTIONED, effectiveConfig, parseConfig } from '../../src/config/config.js';

const FILE = 'phoreus.yaml';

const VALID = `# Phoreus build configuration for seqstats
tool:
  name: seqstats
  version: "1.2.0"
  summary: FASTA statistics
  license: MIT
  url: https://github.com/example/seqstats
  release: 1
requirements: requirements.in
lock: requirements.lock
registries:
  index-url: https://pypi.example.org/simple
  extra-index-urls:
    - https://mirror.example.org/simple
    - https://wheels.example.org/simple
  find-links:
    - ./wheels
policy:
  interpreters: ["3.10", "3.11"]
  interpreter-home: /opt/phoreus/python
  distros: [el8, el9]
interpreters:
  "3.10":
    lock: requirements-py310.lock
    registries:
      extra-index-urls:
        - https://py310.example.org/simple
  "3.11":
    tool:
      release: 2
`;

describe('parseConfig', () => {
  it('parses a valid configuration without findings', () => {
    const loaded = parseConfig(FILE, VALID);
    expect(loaded.findings).toEqual([]);
    expect(loaded.file).toBe(FILE);
    expect(loaded.raw).toMatchObject({
      tool: { name: 'seqstats', version: '1.2.0', release: 1 },
      requirements: 'requirements.in',
      lock: 'requirements.lock',
      registries: { 'index-url': 'https://pypi.example.org/simple', 'find-links': ['./wheels'] },
      policy: { interpreters: ['3.10', '3.11'], distros: ['el8', 'el9'] },
      interpreters: { '3.10': { lock: 'requirements-py310.lock' }, '3.11': { tool: { release: 2 } } },
    });
  });

  it('indexes the line of every key', () => {
    const { index } = parseConfig(FILE, VALID);
    expect(index.get('tool.name')).toBe(3);
    expect(index.get('tool.version')).toBe(4);
    expect(index.get('lock')).toBe(10);
    expect(index.get('registries.extra-index-urls[1]')).toBe(15);
    expect(index.get('policy.interpreters')).toBe(19);
    expect(index.get('interpreters.3.10')).toBe(23);
    expect(index.get('interpreters.3.11')).toBe(28);
  });

  it('accepts an empty file and a file of comments', () => {
    expect(parseConfig(FILE, '')).toMatchObject({ raw: {}, findings: [] });
    expect(parseConfig(FILE, '# nothing configured yet\n')).toMatchObject({ raw: {}, findings: [] });
  });

  it('reports an unknown top-level key at its line, with a did-you-mean', () => {
    const loaded = parseConfig(FILE, `tool:\n  name: seqstats\ninterpeters:\n  "3.11":\n    lock: x.lock\n`);
    expect(loaded.findings).toHaveLength(1);
    expect(loaded.findings[0]).toMatchObject({ rule: 'PH113', severity: 'error', file: FILE, line: 3 });
    expect(loaded.findings[0]?.message).toContain('unknown key "interpeters" in the top level (did you mean "interpreters"?)');
    expect(loaded.findings[0]?.message).toContain('known keys: tool, requirements, lock, registries, module, packages, audit, policy, interpreters');
    expect(loaded.findings[0]?.message).toContain(`fix ${FILE}`);
    expect(loaded.raw).toEqual({});
  });

  it('reports an unknown nested key with the suggestion from its own mapping', () => {
    const loaded = parseConfig(FILE, `tool:\n  name: seqstats\n  lisence: MIT\n`);
    expect(loaded.findings.map((f) => [f.rule, f.line])).toEqual([['PH113', 3]]);
    expect(loaded.findings[0]?.message).toContain('unknown key "lisence" in tool (did you mean "license"?)');
  });

  it('reports unknown keys inside an interpreter override', () => {
    const loaded = parseConfig(FILE, `interpreters:\n  "3.11":\n    policy:\n      interpreters: ["3.11"]\n`);
    expect(loaded.findings.map((f) => [f.rule, f.line])).toEqual([['PH113', 3]]);
    expect(loaded.findings[0]?.message).toContain('unknown key "policy" in interpreters.3.11');
  });

  it('gives no suggestion when no key is close', () => {
    const loaded = parseConfig(FILE, `maintainers:\n  - someone\n`);
    expect(loaded.findings.map((f) => [f.rule, f.line])).toEqual([['PH113', 1]]);
    expect(loaded.findings[0]?.message).not.toContain('did you mean');
  });

  it('reports a value of the wrong type at its line', () => {
    const loaded = parseConfig(FILE, `tool:\n  name: seqstats\nrequirements: 5\npolicy:\n  interpreters: "3.11"\n`);
    expect(loaded.findings.map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([
      ['PH113', 'error', FILE, 3],
      ['PH113', 'error', FILE, 5],
    ]);
    expect(loaded.findings[0]?.message).toContain('requirements must be a string, not the number 5');
    expect(loaded.findings[1]?.message).toContain('policy.interpreters must be a list, not string "3.11"');
  });

  it('reports a mapping given as a list, and a malformed URL', () => {
    const loaded = parseConfig(FILE, `tool:\n  - seqstats\nregistries:\n  index-url: ftp://pypi.example.org/simple\n`);
    expect(loaded.findings.map((f) => f.line)).toEqual([2, 4]);
    expect(loaded.findings[0]?.message).toContain('tool must be a mapping, not a list');
    expect(loaded.findings[1]?.message).toContain('"ftp://pypi.example.org/simple" is not an http(s):// or file:// URL');
  });

  it('reports unquoted interpreter versions in policy.interpreters (3.10 is read as the number 3.1)', () => {
    const loaded = parseConfig(FILE, `policy:\n  interpreters:\n    - 3.10\n    - "3.11"\n`);
    expect(loaded.findings.map((f) => [f.rule, f.line])).toEqual([['PH113', 3]]);
    expect(loaded.findings[0]?.message).toContain('policy.interpreters[0] must be a string, not the number 3.1');
  });

  it('reports an interpreter key that is not of the form 3.X', () => {
    const loaded = parseConfig(FILE, `interpreters:\n  "python3.11":\n    lock: x.lock\n`);
    expect(loaded.findings.map((f) => [f.rule, f.line])).toEqual([['PH113', 2]]);
    expect(loaded.findings[0]?.message).toContain('(quote it: "3.10")');
  });

  it('never files an unquoted interpreter key 3.10 (read as 3.1) away silently', () => {
    const loaded = parseConfig(FILE, `tool:\n  name: seqstats\ninterpreters:\n  3.10:\n    lock: py310.lock\n`);
    // Today only checkOverrideKeys notices, as PH201 for an interpreter "3.1", at the key line.
    const flagged = [...loaded.findings, ...checkOverrideKeys(loaded)].some((f) => f.line === 4);
    expect(flagged || effectiveConfig(loaded, '3.10').lock === 'py310.lock').toBe(true);
  });

  it('reports an unquoted interpreter key 3.10 as PH113, or keeps it as "3.10"', () => {
    const loaded = parseConfig(FILE, `tool:\n  name: seqstats\ninterpreters:\n  3.10:\n    lock: py310.lock\n`);
    const reported = loaded.findings.some((f) => f.rule === 'PH113' && f.line === 4);
    const kept = loaded.findings.length === 0 && effectiveConfig(loaded, '3.10').lock === 'py310.lock';
    expect(reported || kept).toBe(true);
  });

  it('reports invalid YAML as PH113 and yields no configuration', () => {
    const loaded = parseConfig(FILE, `tool:\n  name: seqstats\nlock: a.lock\nlock: b.lock\n`);
    expect(loaded.findings).toHaveLength(1);
    expect(loaded.findings[0]).toMatchObject({ rule: 'PH113', severity: 'error', file: FILE });
    expect(loaded.findings[0]?.message).toContain('is not valid YAML: Map keys must be unique');
    expect(loaded.findings[0]?.message).toContain('fix the syntax');
    expect(loaded.raw).toEqual({});
  });

  it('reports a YAML syntax error at the line where it is', () => {
    const duplicate = parseConfig(FILE, `tool:\n  name: seqstats\nlock: a.lock\nlock: b.lock\n`);
    expect(duplicate.findings.map((f) => [f.rule, f.line])).toEqual([['PH113', 4]]);
    const unclosed = parseConfig(FILE, `requirements: requirements.in\ntool:\n  name: [seqstats\nlock: requirements.lock\n`);
    // The "[" opens on line 3; yaml detects the missing "]" on line 4. Either names the place.
    expect(unclosed.findings.map((f) => f.rule)).toEqual(['PH113']);
    expect([3, 4]).toContain(unclosed.findings[0]?.line);
  });

  it('does not turn an unquoted version 1.10 into 1.1', () => {
    const loaded = parseConfig(FILE, `tool:\n  name: seqstats\n  version: 1.10\n`);
    const reported = loaded.findings.some((f) => f.rule === 'PH113' && f.line === 3);
    expect(reported || effectiveConfig(loaded, '3.11').tool.version === '1.10').toBe(true);
  });
});

describe('effectiveConfig', () => {
  it('gives the shared configuration when there is no override, with the default policy', () => {
    const loaded = parseConfig(FILE, `tool:\n  name: seqstats\n  version: "1.2.0"\n  release: 3\nlock: requirements.lock\nregistries:\n  index-url: https://pypi.example.org/simple\n`);
    expect(loaded.findings).toEqual([]);
    expect(effectiveConfig(loaded, '3.11')).toEqual({
      tool: { name: 'seqstats', version: '1.2.0', release: '3' },
      lock: 'requirements.lock',
      registries: { 'index-url': 'https://pypi.example.org/simple' },
      policy: { interpreters: DEFAULT_SANCTIONED },
      module: {},
      packages: {},
      waivers: [],
    });
    expect(DEFAULT_SANCTIONED).toEqual(['3.10', '3.11']);
  });

  it('gives defaults for no configuration at all', () => {
    expect(effectiveConfig({ raw: {} }, '3.11')).toEqual({ tool: {}, registries: {}, policy: { interpreters: ['3.10', '3.11'] }, module: {}, packages: {}, waivers: [] });
  });

  it('lets the override of the interpreter win, key by key', () => {
    const loaded = parseConfig(FILE, VALID);
    const py310 = effectiveConfig(loaded, '3.10');
    const py311 = effectiveConfig(loaded, '3.11');
    expect(py310.lock).toBe('requirements-py310.lock');
    expect(py311.lock).toBe('requirements.lock');
    expect(py311.tool.release).toBe('2');
    expect(py310.tool.release).toBe('1');
  });

  it('inherits keys the override does not set, inside nested mappings too', () => {
    const loaded = parseConfig(FILE, VALID);
    const py311 = effectiveConfig(loaded, '3.11');
    expect(py311.tool).toEqual({ name: 'seqstats', version: '1.2.0', summary: 'FASTA statistics', license: 'MIT', url: 'https://github.com/example/seqstats', release: '2' });
    expect(py311.requirements).toBe('requirements.in');
    const py310 = effectiveConfig(loaded, '3.10');
    expect(py310.registries['index-url']).toBe('https://pypi.example.org/simple');
    expect(py310.registries['find-links']).toEqual(['./wheels']);
    expect(py310.policy).toEqual({ interpreters: ['3.10', '3.11'], 'interpreter-home': '/opt/phoreus/python', distros: ['el8', 'el9'] });
  });

  it('replaces a list with the override list instead of appending to it', () => {
    const loaded = parseConfig(FILE, VALID);
    expect(effectiveConfig(loaded, '3.10').registries['extra-index-urls']).toEqual(['https://py310.example.org/simple']);
    expect(effectiveConfig(loaded, '3.11').registries['extra-index-urls']).toEqual(['https://mirror.example.org/simple', 'https://wheels.example.org/simple']);
  });

  it('replaces a list with an empty override list', () => {
    const loaded = parseConfig(FILE, `registries:\n  find-links: [./wheels]\ninterpreters:\n  "3.11":\n    registries:\n      find-links: []\n`);
    expect(loaded.findings).toEqual([]);
    expect(effectiveConfig(loaded, '3.11').registries['find-links']).toEqual([]);
    expect(effectiveConfig(loaded, '3.10').registries['find-links']).toEqual(['./wheels']);
  });

  it('ignores overrides of other interpreters', () => {
    const loaded = parseConfig(FILE, VALID);
    expect(effectiveConfig(loaded, '3.12')).toEqual(effectiveConfig({ raw: { ...loaded.raw, interpreters: {} } }, '3.12'));
  });
});

describe('checkOverrideKeys (PH201)', () => {
  it('reports an override of 3.12 when policy.interpreters is the default, at the key line', () => {
    const loaded = parseConfig(FILE, `tool:\n  name: seqstats\ninterpreters:\n  "3.11":\n    lock: a.lock\n  "3.12":\n    lock: b.lock\n`);
    expect(loaded.findings).toEqual([]);
    const found = checkOverrideKeys(loaded);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'PH201', severity: 'error', file: FILE, line: 6 });
    expect(found[0]?.message).toContain('interpreters."3.12" overrides an interpreter that is not sanctioned (sanctioned: 3.10, 3.11)');
    expect(found[0]?.message).toContain('add it to policy.interpreters or remove the override');
  });

  it('accepts overrides of sanctioned interpreters, including ones the policy adds', () => {
    expect(checkOverrideKeys(parseConfig(FILE, VALID))).toEqual([]);
    const loaded = parseConfig(FILE, `policy:\n  interpreters: ["3.11", "3.12"]\ninterpreters:\n  "3.12":\n    lock: b.lock\n`);
    expect(checkOverrideKeys(loaded)).toEqual([]);
  });

  it('has nothing to say without overrides', () => {
    expect(checkOverrideKeys(parseConfig(FILE, 'tool:\n  name: seqstats\n'))).toEqual([]);
  });
});
