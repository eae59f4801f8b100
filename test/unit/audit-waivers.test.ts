/**
 * Audit waivers: the glob, the grammar of an entry (rule, path, reason) as phoreus.yaml's
 * schema applies it, the waiver set that marks findings and names the unmatched, and how
 * waived findings are counted and rendered: text, JSON, SARIF, annotations, the RPM's
 * description.
 */
import { describe, expect, it, vi } from 'vitest';
import { renderSpec } from '../../src/rpm/spec.js';
import { countBySeverity, finding, type Finding } from '../../src/core/finding.js';
import { RULES, WAIVABLE_RULES } from '../../src/core/rules.js';
import {
  DESCRIBED_WAIVERS, globPattern, judgeWaiverPath, refuseWaivedRule, waivedLines, waivedParagraphs, WaiverSet, type Waiver,
} from '../../src/core/waivers.js';
import { effectiveConfig, parseConfig } from '../../src/config/config.js';
import { distro } from '../../src/plan/distros.js';
import { renderJson, renderSarif, renderText } from '../../src/report/formats.js';
import { annotate } from '../../src/report/github.js';

const VENV = '/usr/local/phoreus/pulp-tool/2.0/venv';
const SP = `${VENV}/lib/python3.11/site-packages`;
const ARM64 = `${SP}/pulp/solverdir/cbc/linux/arm64/cbc`;

const waiver = (rule: Waiver['rule'], path: string, line = 3): Waiver => ({ rule, path, reason: 'PuLP bundles CBC for every platform', file: 'phoreus.yaml', line });

describe('globPattern', () => {
  it('matches * and ? within one segment, ** across segments', () => {
    const one = globPattern('lib/python3.*/site-packages/pulp/solverdir/cbc/linux/arm64/*');
    expect(one.test('lib/python3.11/site-packages/pulp/solverdir/cbc/linux/arm64/cbc')).toBe(true);
    expect(one.test('lib/python3.11/site-packages/pulp/solverdir/cbc/linux/arm64/sub/cbc')).toBe(false);
    expect(one.test('lib/python3.11/site-packages/pulp/solverdir/cbc/linux/64/cbc')).toBe(false);
    const deep = globPattern('lib/**/arm64/**');
    expect(deep.test('lib/python3.11/site-packages/pulp/solverdir/cbc/linux/arm64/cbc')).toBe(true);
    expect(deep.test('lib/arm64/x')).toBe(true);
    expect(globPattern('bin/cbc-?').test('bin/cbc-1')).toBe(true);
    expect(globPattern('bin/cbc-?').test('bin/cbc-12')).toBe(false);
  });

  it('takes every other character literally', () => {
    expect(globPattern('lib/a.so').test('lib/aXso')).toBe(false);
    expect(globPattern('lib/a+(b)|c$.so').test('lib/a+(b)|c$.so')).toBe(true);
  });
});

describe('judgeWaiverPath', () => {
  it('accepts a plain relative glob', () => {
    for (const glob of ['lib/python3.*/site-packages/pulp/solverdir/cbc/linux/arm64/*', 'bin/cbc', 'lib/**/i386/*.so']) expect(judgeWaiverPath(glob), glob).toBeUndefined();
  });

  it('refuses what leaves the venv, is not printable, is too long, or names nothing', () => {
    const cases: Array<[string, RegExp]> = [
      ['/usr/local/phoreus/x/venv/bin/cbc', /is absolute/],
      ['lib/../../../etc/passwd', /an empty, "\." or "\.\." segment/],
      ['lib//x', /an empty, "\." or "\.\." segment/],
      ['./lib/x', /an empty, "\." or "\.\." segment/],
      ['lib/x\n', /printable ASCII/],
      ['lib/é', /printable ASCII/],
      [' lib/x', /leading or trailing spaces/],
      ['lib\\x', /backslash/],
      ['lib/[ab]', /brackets/],
      ['lib/{a,b}', /braces/],
      ['**', /wildcards alone/],
      ['*/*/**', /wildcards alone/],
      [`lib/${'x'.repeat(600)}`, /longer than 512/],
    ];
    for (const [glob, reason] of cases) expect(judgeWaiverPath(glob), glob).toMatch(reason);
  });
});

describe('refuseWaivedRule', () => {
  it('accepts the waivable rules, and they are the payload rules whose waiver keeps the charter', () => {
    expect(WAIVABLE_RULES).toEqual(['PH305', 'PH307', 'PH309', 'PH310', 'PH316', 'PH318', 'PH320']);
    for (const rule of WAIVABLE_RULES) expect(refuseWaivedRule(rule)).toBeUndefined();
  });

  it('refuses a rule that would defeat the charter, saying which sections', () => {
    for (const rule of ['PH302', 'PH303', 'PH304', 'PH306', 'PH308', 'PH312', 'PH204', 'PH314', 'PH315', 'PH319'] as const) {
      const refused = refuseWaivedRule(rule) ?? '';
      expect(refused, rule).toMatch(/^cannot be waived/);
      if (rule.startsWith('PH3')) expect(refused).toContain(RULES[rule].charter);
    }
  });

  it('refuses the lock\'s rules, conda and the release as rules on the project, and an unknown id', () => {
    for (const rule of ['PH104', 'PH110', 'PH401']) expect(refuseWaivedRule(rule)).toMatch(/judges the project, the lock or the release/);
    expect(refuseWaivedRule('PH999')).toMatch(/^is not a rule of docs\/rules.md; waivable rules: PH305/);
  });
});

describe('audit.waive in phoreus.yaml', () => {
  const yaml = [
    'audit:',
    '  waive:',
    '    - rule: PH318',
    '      path: lib/python3.*/site-packages/pulp/solverdir/cbc/linux/arm64/*',
    '      reason: PuLP bundles CBC for every platform',
    '    - rule: PH309',
    '      path: bin/cbc',
    '      reason: "the package never runs it: 100% inert"',
    'interpreters:',
    '  "3.10":',
    '    audit:',
    '      waive:',
    '        - rule: PH310',
    '          path: lib/python3.10/site-packages/x/_x.so',
    '          reason: libx comes from the phoreus-libx module',
    '',
  ].join('\n');

  it('gives the shared waivers with their lines, and an override its own list instead', () => {
    const loaded = parseConfig('phoreus.yaml', yaml);
    expect(loaded.findings).toEqual([]);
    expect(effectiveConfig(loaded, '3.11').waivers).toEqual([
      { rule: 'PH318', path: 'lib/python3.*/site-packages/pulp/solverdir/cbc/linux/arm64/*', reason: 'PuLP bundles CBC for every platform', file: 'phoreus.yaml', line: 3 },
      { rule: 'PH309', path: 'bin/cbc', reason: 'the package never runs it: 100% inert', file: 'phoreus.yaml', line: 6 },
    ]);
    expect(effectiveConfig(loaded, '3.10').waivers).toEqual([
      { rule: 'PH310', path: 'lib/python3.10/site-packages/x/_x.so', reason: 'libx comes from the phoreus-libx module', file: 'phoreus.yaml', line: 13 },
    ]);
  });

  it('refuses each wrong entry at its line (PH113): a rule not waivable, an unknown one, an escaping path, no reason', () => {
    const loaded = parseConfig('phoreus.yaml', [
      'audit:',
      '  waive:',
      '    - rule: PH312',
      '      path: lib/x',
      '      reason: stripped on purpose',
      '    - rule: PH999',
      '      path: lib/x',
      '      reason: typo',
      '    - rule: PH318',
      '      path: ../outside/*',
      '      reason: escapes',
      '    - rule: PH318',
      '      path: lib/x',
      '      reason: ""',
      '    - rule: PH318',
      '      path: lib/x',
      '',
    ].join('\n'));
    expect(loaded.findings.map((f) => [f.rule, f.line])).toEqual([['PH113', 3], ['PH113', 6], ['PH113', 10], ['PH113', 14], ['PH113', 15]]);
    const [ph312, unknown, escaping, empty, missing] = loaded.findings.map((f) => f.message);
    expect(ph312).toMatch(/^audit\.waive\[0\]\.rule: "PH312" cannot be waived: .*defeat the charter \(§11, §13\)/);
    expect(unknown).toContain('"PH999" is not a rule');
    expect(escaping).toContain('audit.waive[2].path: "../outside/*" has an empty, "." or ".." segment');
    expect(empty).toContain('audit.waive[3].reason needs a reason');
    expect(missing).toContain('audit.waive[4] needs "reason"');
    for (const message of loaded.findings.map((f) => f.message)) expect(message).not.toContain('\n');
  });

  it('refuses a reason of several lines or a key it does not know', () => {
    const loaded = parseConfig('phoreus.yaml', 'audit:\n  waive:\n    - rule: PH318\n      path: lib/x\n      reason: "one\\ntwo"\n      until: 2026\n');
    expect(loaded.findings.map((f) => f.message)).toEqual([
      expect.stringContaining('audit.waive[0].reason: "one?two" must be one line'),
      expect.stringContaining('unknown key "until"'),
    ]);
  });
});

describe('WaiverSet', () => {
  it('marks the findings a waiver covers, by rule and path relative to the venv', () => {
    const set = new WaiverSet([waiver('PH318', 'lib/python3.*/site-packages/pulp/solverdir/cbc/linux/arm64/*')], VENV);
    const covered = set.apply(finding('PH318', ARM64, 1, 'inert'));
    expect(covered.waived).toEqual({ reason: 'PuLP bundles CBC for every platform', by: 'phoreus.yaml:3' });
    expect(set.apply(finding('PH309', ARM64, 1, 'imported')).waived).toBeUndefined();
    expect(set.apply(finding('PH318', `${SP}/pulp/solverdir/cbc/linux/i386/cbc`, 1, 'inert')).waived).toBeUndefined();
    expect(set.apply(finding('PH318', '/usr/local/phoreus/other/1/venv/lib/python3.11/site-packages/pulp/solverdir/cbc/linux/arm64/cbc', 1, 'x')).waived).toBeUndefined();
    expect(set.unmatched()).toEqual([]);
  });

  it('gives PH319 at its line for a waiver that covered nothing', () => {
    const set = new WaiverSet([waiver('PH318', 'bin/nothing-here', 7)], VENV);
    set.apply(finding('PH318', ARM64, 1, 'inert'));
    const [unmatched, ...rest] = set.unmatched();
    expect(rest).toEqual([]);
    expect(unmatched).toMatchObject({ rule: 'PH319', severity: 'warning', file: 'phoreus.yaml', line: 7 });
    expect(unmatched?.message).toContain('the waiver of PH318 for bin/nothing-here matches no finding');
  });
});

const WAIVED: Finding = { ...finding('PH309', ARM64, 1, 'the ELF file is built for aarch64'), waived: { reason: 'the package never runs it', by: 'phoreus.yaml:6' } };
const FINDINGS: Finding[] = [finding('PH310', `${SP}/x/_x.so`, 1, 'needs libx.so.1'), WAIVED];

describe('waived findings in the counts and every report', () => {
  it('count apart, failing nothing', () => {
    expect(countBySeverity(FINDINGS)).toEqual({ errors: 0, warnings: 1, waived: 1 });
    expect(countBySeverity([finding('PH309', ARM64, 1, 'x')])).toEqual({ errors: 1, warnings: 0, waived: 0 });
  });

  it('text: marked waived, with the reason and the waiver\'s line; counted in the summary line', () => {
    const lines = renderText({ mode: 'audit', project: 'x.rpm' }, FINDINGS).split('\n');
    expect(lines[1]).toBe(`${ARM64}:1: waived error PH309: the ELF file is built for aarch64 [waived by phoreus.yaml:6: the package never runs it]`);
    expect(lines[2]).toBe('audit: 0 error(s), 1 warning(s), 1 waived in x.rpm');
  });

  it('JSON: the waived field on the finding, and the count in the summary', () => {
    const report = JSON.parse(renderJson({ mode: 'audit', project: 'x.rpm' }, FINDINGS)) as { summary: unknown; findings: Finding[] };
    expect(report.summary).toEqual({ errors: 0, warnings: 1, waived: 1 });
    expect(report.findings[1]?.waived).toEqual({ reason: 'the package never runs it', by: 'phoreus.yaml:6' });
  });

  it('SARIF: an accepted suppression with the reason as justification; the others unsuppressed', () => {
    const sarif = JSON.parse(renderSarif(FINDINGS)) as { runs: Array<{ results: Array<{ ruleId: string; suppressions?: unknown }> }> };
    const results = sarif.runs[0]?.results ?? [];
    expect(results.find((r) => r.ruleId === 'PH309')?.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'the package never runs it (phoreus.yaml:6)' }]);
    expect(results.find((r) => r.ruleId === 'PH310')?.suppressions).toBeUndefined();
  });

  it('annotations: a notice for a waived finding, never an error', () => {
    let printed = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += chunk.toString();
      return true;
    });
    try {
      annotate(FINDINGS, '.');
    } finally {
      write.mockRestore();
    }
    expect(printed).toMatch(/^::warning title=PH310 /m);
    expect(printed).toMatch(/^::notice title=PH309 .*waived by phoreus.yaml:6: the package never runs it\]$/m);
    expect(printed).not.toContain('::error');
  });
});

describe('the RPM description of waived findings', () => {
  it('lists each with its path relative to the venv and its reason, escaped for the spec', () => {
    const waived = [{ ...WAIVED, waived: { reason: 'inert: 100% of %{_bindir} untouched', by: 'phoreus.yaml:6' } }, FINDINGS[0] as Finding];
    const lines = waivedLines(waived, VENV);
    expect(lines).toEqual(['PH309 lib/python3.11/site-packages/pulp/solverdir/cbc/linux/arm64/cbc: inert: 100% of %{_bindir} untouched']);
    const spec = renderSpec({
      id: { tool: 'pulp-tool', version: '2.0', release: '1', interpreter: '3.11', interpreterHome: '/usr/local/phoreus/python/3.11', interpreterModule: 'phoreus-python-3.11' },
      arch: 'x86_64', distro: distro('el9'), summary: 's', license: 'MIT', description: ['First paragraph.', ...waivedParagraphs(lines)],
      installLock: false, copyFiles: false, meta: false, epoch: 1_700_000_000, generator: 'phoreus-rpm test',
    });
    const description = spec.slice(spec.indexOf('%description\n'), spec.indexOf('\n%prep'));
    expect(description).toContain('Audit findings waived by audit.waive in phoreus.yaml, each with its reason:\n\n- PH309 lib/python3.11/site-packages/pulp/solverdir/cbc/linux/arm64/cbc: inert: 100%% of %%{_bindir} untouched');
  });

  it('says nothing without waived findings, and counts those past the limit', () => {
    expect(waivedParagraphs([])).toEqual([]);
    const many = Array.from({ length: DESCRIBED_WAIVERS + 3 }, (_, i) => `PH318 lib/f${i}: inert`);
    const paragraphs = waivedParagraphs(many);
    expect(paragraphs).toHaveLength(DESCRIBED_WAIVERS + 2);
    expect(paragraphs.at(-1)).toBe('- and 3 more, listed in the build report');
  });
});
