/** Credential redaction and the text, JSON and SARIF 2.1.0 renderings of findings. */
import { describe, expect, it } from 'vitest';
import { finding, type Finding } from '../../src/core/finding.js';
import { RULES } from '../../src/core/rules.js';
import packageJson from '../../package.json' with { type: 'json' };
import { renderJson, renderSarif, renderText, type ReportSubject } from '../../src/report/formats.js';
import { literalCredentials, redact } from '../../src/core/redact.js';

describe('redact', () => {
  it('replaces the user-info of a URL with ***', () => {
    expect(redact('--index-url https://user:secret@pypi.example.org/simple')).toBe('--index-url https://***@pypi.example.org/simple');
    expect(redact('https://ghp_abcdef123456@pypi.example.org/simple')).toBe('https://***@pypi.example.org/simple');
  });

  it('redacts every URL in the text', () => {
    expect(redact('pip-compile -i https://a:b@one.example/simple --extra-index-url=http://c:d@two.example/simple')).toBe(
      'pip-compile -i https://***@one.example/simple --extra-index-url=http://***@two.example/simple',
    );
  });

  it('redacts a URL that mixes a literal user with a ${TOKEN} reference', () => {
    expect(redact('https://deploy:${TOKEN}@pypi.example.org/simple')).toBe('https://***@pypi.example.org/simple');
  });

  it('keeps ${VAR} references, which are not credentials', () => {
    for (const text of ['https://${TOKEN}@pypi.example.org/simple', 'https://${PYPI_USER}:${PYPI_TOKEN}@pypi.example.org/simple']) {
      expect(redact(text)).toBe(text);
    }
  });

  it('leaves URLs without user-info alone, including VCS URLs with @ref', () => {
    for (const text of ['https://pypi.org/simple', 'git+https://github.com/example/seqtool.git@v1.2.0#egg=seqtool', 'mail me@example.org', 'numpy==2.1.0']) {
      expect(redact(text)).toBe(text);
    }
  });
});

describe('literalCredentials', () => {
  it('returns the password of user:password@, not the user name', () => {
    expect(literalCredentials('https://user:secret@host/simple')).toEqual(['secret']);
  });

  it('returns a token given as the user alone', () => {
    expect(literalCredentials('https://ghp_abcdef123456@pypi.example.org/simple')).toEqual(['ghp_abcdef123456']);
  });

  it('returns percent-encoded parts both decoded and as written', () => {
    expect(literalCredentials('https://ci:p%40ss%3Aword@host/simple').sort()).toEqual(['p%40ss%3Aword', 'p@ss:word']);
  });

  it('copes with malformed percent-encoding', () => {
    expect(literalCredentials('https://ci:50%zz@host/simple')).toEqual(['50%zz']);
  });

  it('finds credentials in several URLs, once each', () => {
    expect(literalCredentials('https://a:b@one.example https://a:c@two.example https://x:b@three.example').sort()).toEqual(['b', 'c']);
  });

  it('does not count ${VAR} references', () => {
    expect(literalCredentials('https://${TOKEN}@host/simple')).toEqual([]);
    expect(literalCredentials('https://${PYPI_USER}:${PYPI_TOKEN}@host/simple')).toEqual([]);
    expect(literalCredentials('https://deploy:${TOKEN}@host/simple')).toEqual([]);
  });

  it('counts a literal password beside a ${VAR} user', () => {
    expect(literalCredentials('https://${PYPI_USER}:hunter2@host/simple')).toEqual(['hunter2']);
  });

  it('finds nothing in URLs without user-info', () => {
    expect(literalCredentials('https://pypi.org/simple git+https://github.com/example/seqtool.git@v1.2.0')).toEqual([]);
  });
});

const SUBJECT: ReportSubject = { mode: 'verify', project: 'examples/x', interpreter: '3.11', packagedTool: { name: 'seqstats', version: '5.2' } };
const GENERATOR_LINE = `generator: phoreus-rpm ${packageJson.version}`;

const FINDINGS: Finding[] = [
  finding('PH104', 'requirements.lock', 12, 'click has no --hash=sha256:; regenerate the lock'),
  finding('PH111', 'requirements.lock', 1, 'pip is not pinned in the lock'),
  finding('PH104', 'requirements.lock', 20, 'numpy has no --hash=sha256:; regenerate the lock'),
  finding('PH107', 'requirements.in', 3, 'rich>=13 is required here but requirements.lock has no pin for it'),
];

describe('renderText', () => {
  it('prints one line per finding, a summary line, the packaged tool and the generator', () => {
    const text = renderText(SUBJECT, FINDINGS);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines).toEqual([
      'requirements.lock:12: error PH104: click has no --hash=sha256:; regenerate the lock',
      'requirements.lock:1: warning PH111: pip is not pinned in the lock',
      'requirements.lock:20: error PH104: numpy has no --hash=sha256:; regenerate the lock',
      'requirements.in:3: error PH107: rich>=13 is required here but requirements.lock has no pin for it',
      'verify: 3 error(s), 1 warning(s) for Python 3.11 in examples/x',
      'packaged tool: seqstats 5.2',
      GENERATOR_LINE,
    ]);
  });

  it('prints only the summary and the generator when there is nothing to report and no tool is known', () => {
    expect(renderText({ mode: 'verify', project: '.' }, [])).toBe(`verify: 0 error(s), 0 warning(s) in .\n${GENERATOR_LINE}\n`);
  });
});

describe('renderJson', () => {
  it('prints one JSON object with the subject, the findings and summary counts', () => {
    const text = renderJson(SUBJECT, FINDINGS);
    expect(text.endsWith('}\n')).toBe(true);
    const report = JSON.parse(text) as Record<string, unknown>;
    expect(report).toMatchObject({
      mode: 'verify',
      project: 'examples/x',
      interpreter: '3.11',
      summary: { errors: 3, warnings: 1 },
    });
    expect(report.findings).toEqual(FINDINGS);
  });

  it('names its generator (this tool, version from package.json) apart from the packaged tool', () => {
    const report = JSON.parse(renderJson(SUBJECT, FINDINGS)) as Record<string, unknown>;
    expect(report.generator).toEqual({ name: 'phoreus-rpm', version: packageJson.version });
    expect(report.packagedTool).toEqual({ name: 'seqstats', version: '5.2' });
    expect(Object.keys(report)).not.toContain('tool');
    expect(Object.keys(report)).not.toContain('toolVersion');
  });

  it('keeps extra subject fields and counts zero for no findings', () => {
    const report = JSON.parse(renderJson({ mode: 'verify', project: '.', drift: 'skipped: offline' }, [])) as Record<string, unknown>;
    expect(report).toMatchObject({ drift: 'skipped: offline', summary: { errors: 0, warnings: 0 }, findings: [] });
  });
});

interface SarifLog {
  $schema: string;
  version: string;
  runs: Array<{
    properties?: { packagedTool?: { name: string; version?: string } };
    tool: { driver: { name: string; version: string; semanticVersion: string; informationUri: string; rules: Array<{ id: string; shortDescription: { text: string }; fullDescription: { text: string }; helpUri: string; defaultConfiguration: { level: string } }> } };
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
    }>;
  }>;
}

describe('renderSarif', () => {
  const sarif = JSON.parse(renderSarif(FINDINGS, 'examples/x')) as SarifLog;
  const run = sarif.runs[0];

  it('is SARIF 2.1.0 with its schema and one run', () => {
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0.*\.json$/);
    expect(sarif.runs).toHaveLength(1);
    expect(run?.tool.driver.name).toBe('phoreus-rpm');
  });

  it('describes this tool alone in the driver, and the packaged tool in the run\'s properties', () => {
    expect(run?.tool.driver).toMatchObject({
      name: 'phoreus-rpm',
      version: packageJson.version,
      semanticVersion: packageJson.version,
      informationUri: packageJson.homepage,
    });
    expect(run?.properties).toBeUndefined();
    const withTool = JSON.parse(renderSarif(FINDINGS, '', { name: 'seqstats', version: '5.2' })) as SarifLog;
    expect(withTool.runs[0]?.tool.driver.name).toBe('phoreus-rpm');
    expect(withTool.runs[0]?.tool.driver.version).toBe(packageJson.version);
    expect(withTool.runs[0]?.properties?.packagedTool).toEqual({ name: 'seqstats', version: '5.2' });
  });

  it('lists each rule used exactly once, described from the catalogue', () => {
    const ids = run?.tool.driver.rules.map((r) => r.id) ?? [];
    expect([...ids].sort()).toEqual(['PH104', 'PH107', 'PH111']);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of run?.tool.driver.rules ?? []) {
      const entry = RULES[rule.id as keyof typeof RULES];
      expect(rule.shortDescription.text).toBe(entry.title);
      expect(rule.fullDescription.text).toContain(entry.charter);
      expect(rule.defaultConfiguration.level).toBe(entry.severity);
      expect(rule.helpUri).toContain(`#${rule.id.toLowerCase()}`);
    }
  });

  it('gives every result a ruleIndex that points at its rule', () => {
    expect(run?.results).toHaveLength(FINDINGS.length);
    for (const result of run?.results ?? []) {
      expect(run?.tool.driver.rules[result.ruleIndex]?.id).toBe(result.ruleId);
    }
  });

  it('gives each result its level, message and location, with the URI joined to the prefix', () => {
    const results = run?.results ?? [];
    FINDINGS.forEach((f, i) => {
      const result = results[i];
      expect(result?.ruleId).toBe(f.rule);
      expect(result?.level).toBe(f.severity);
      expect(result?.message.text).toBe(f.message);
      expect(result?.locations[0]?.physicalLocation.region.startLine).toBe(f.line);
    });
    expect(results[0]?.locations[0]?.physicalLocation.artifactLocation.uri).toBe('examples/x/requirements.lock');
    expect(results[3]?.locations[0]?.physicalLocation.artifactLocation.uri).toBe('examples/x/requirements.in');
    expect(results[1]?.level).toBe('warning');
  });

  it('joins URIs without doubling slashes, and without a prefix leaves them as they are', () => {
    const uri = (prefix: string | undefined, file: string): string | undefined => {
      const log = JSON.parse(prefix === undefined ? renderSarif([finding('PH101', file, 1, 'm')]) : renderSarif([finding('PH101', file, 1, 'm')], prefix)) as SarifLog;
      return log.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation.uri;
    };
    expect(uri('examples/x/', 'requirements.lock')).toBe('examples/x/requirements.lock');
    expect(uri(undefined, 'requirements.lock')).toBe('requirements.lock');
    expect(uri('.', 'requirements.lock')).toBe('requirements.lock');
    expect(uri('examples/x', '.')).toBe('examples/x');
  });

  it('has an empty rule list and no results for no findings', () => {
    const empty = JSON.parse(renderSarif([])) as SarifLog;
    expect(empty.runs[0]?.tool.driver.rules).toEqual([]);
    expect(empty.runs[0]?.results).toEqual([]);
  });
});
