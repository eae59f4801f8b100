/**
 * The action run by @github/local-action from its TypeScript sources (src/main.ts exports run()
 * and starts nothing on import): mode verify on the bundled example, offline, and mode audit on
 * an RPM the CLI builds here from the hello-tool fixture and a local package index, and on a
 * copy of it repacked with a forbidden Requires.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import type { BuiltTool } from '../support/hello-tool.js';
import { runLocalAction } from '../support/local-action.js';
import { REPO } from '../support/processes.js';
import { helloToolCorpus, type HelloToolCorpus, type RpmCorpus } from '../support/rpm-corpus.js';

describe('the action under @github/local-action', () => {
  let work: string;
  let workspace: string;
  let fixture: HelloToolCorpus;
  let built: BuiltTool;
  let corpus: RpmCorpus;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-local-action-'));
    workspace = join(work, 'workspace');
    cpSync(join(REPO, 'examples', 'seqstats'), join(workspace, 'examples', 'seqstats'), { recursive: true });
    fixture = await helloToolCorpus(work);
    ({ built, corpus } = fixture);
  });

  afterAll(async () => {
    await fixture?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('verifies the bundled example offline: no annotation, zero findings, a report and a summary', async () => {
    const run = await runLocalAction({ mode: 'verify', project: 'examples/seqstats', offline: 'true' }, { workspace, root: work });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Running Action');
    expect(run.annotations).toEqual([]);
    expect(run.outputs['findings-errors']).toBe('0');
    expect(run.outputs['findings-warnings']).toBe('0');
    const reportPath = run.outputs.report ?? '';
    expect(existsSync(reportPath)).toBe(true);
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    expect(report).toMatchObject({
      generator: { name: 'phoreus-rpm', version: packageJson.version },
      packagedTool: { name: 'seqstats', version: '1.2.0' },
      mode: 'verify',
      interpreter: '3.11',
      drift: 'skipped: offline',
      summary: { errors: 0, warnings: 0 },
    });
    expect(run.summary).toContain('<h2>Phoreus lockfile verification</h2>');
    expect(run.leftovers).toEqual([]);
  });

  it('audits the RPM the build made: zero findings, a report naming the audited tool', async () => {
    const run = await runLocalAction({ mode: 'audit', rpm: built.rpm, modulefile: built.modulefile, 'smoke-test': 'false' }, { workspace, root: work });
    expect(run.status, run.stderr).toBe(0);
    expect(run.annotations).toEqual([]);
    expect(run.outputs['findings-errors']).toBe('0');
    expect(run.outputs['findings-warnings']).toBe('0');
    const report = JSON.parse(readFileSync(run.outputs.report ?? '', 'utf8'));
    expect(report).toMatchObject({
      generator: { name: 'phoreus-rpm', version: packageJson.version },
      packagedTool: { name: 'hello-tool', version: '1.0.0' },
      mode: 'audit',
      package: 'phoreus-hello-tool-1.0.0',
      findings: [],
    });
    expect(run.summary).toContain('<h2>Phoreus RPM audit</h2>');
    expect(run.leftovers).toEqual([]);
  });

  it('annotates an RPM that requires a shared Python module (PH202), and fails the step', async () => {
    const broken = await corpus.make('ph202', () => undefined, { requires: ['phoreus', 'phoreus-python-3.11', 'python3-numpy'] });
    const run = await runLocalAction({ mode: 'audit', rpm: broken, 'smoke-test': 'false' }, { workspace, root: work });
    expect(run.status, run.stderr).toBe(0); // local-action records a failed step without exiting non-zero
    expect(run.outputs['findings-errors']).toBe('1');
    expect(run.outputs['findings-warnings']).toBe('0');
    const [finding, failure, ...more] = run.annotations;
    expect(more).toEqual([]);
    expect(finding?.command).toBe('error');
    expect(finding?.properties.title).toMatch(/^PH202 /);
    expect(finding?.message).toContain('python3-numpy');
    expect(failure).toMatchObject({ command: 'error', message: '1 error finding(s) against the Phoreus Python Packaging Charter in phoreus-hello-tool-1.0.0' });
    const report = JSON.parse(readFileSync(run.outputs.report ?? '', 'utf8'));
    expect(report.findings.map((f: { rule: string }) => f.rule)).toEqual(['PH202']);
    expect(run.leftovers).toEqual([]);
  });
});
