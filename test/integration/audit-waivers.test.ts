/**
 * ELF files for another machine in a real build, and the audited waiver: hello-tool with two
 * i386 files gcc makes here, copied into its venv — an inert solver library beside a package
 * (PH318, a warning) and a plain `_fast.so` inside the alpha package, which Python would
 * import (PH309, an error). Without a waiver the build stops; with audit.waive it passes, the
 * waived findings in every report and in the RPM's description, an unmatched waiver named
 * (PH319); and `audit --config` gives the build's verdict on the RPM.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPOCH, helloToolIndex, lockHelloTool } from '../support/hello-tool.js';
import type { PackageIndex } from '../support/package-index.js';
import { isolatedEnv, run, runCli } from '../support/processes.js';
import { requiredCommand } from '../support/required-tools.js';

const SP = '/usr/local/phoreus/hello-tool/1.0.0/venv/lib/python3.11/site-packages';
const FAST = `${SP}/alpha/_fast.so`;
const SOLVER = `${SP}/solverdir/cbc/linux/i386/libcbc.so`;

const COPY = `packages:
  platformSpecific:
    linux-x64:
      copyFiles:
        - from: extras/alpha/
          to: "{site-packages}/alpha/"
        - from: extras/solverdir/
          to: "{site-packages}/solverdir/"
`;

const WAIVE = `audit:
  waive:
    - rule: PH318
      path: lib/python3.*/site-packages/solverdir/cbc/linux/i386/*
      reason: the solver is bundled for every platform and picked by machine at run time
    - rule: PH309
      path: lib/python3.11/site-packages/alpha/_fast.so
      reason: alpha imports _fast only on i386 hosts (100% guarded)
    - rule: PH310
      path: bin/no-such-program
      reason: left from an older release
`;

interface Report {
  ok: boolean;
  summary: { errors: number; warnings: number; waived: number };
  findings: Array<{ rule: string; severity: string; file: string; line: number; message: string; waived?: { reason: string; by: string } }>;
  artifacts?: { rpm: string };
  timings: Record<string, number>;
  config: { audit?: { waive: unknown[] } };
}

describe('foreign ELF files in a build, and audited waivers', () => {
  let work: string;
  let index: PackageIndex;
  let project: string;

  async function build(config: string, out: string): Promise<{ status: number; stdout: string; report: Report }> {
    writeFileSync(join(project, 'phoreus.yaml'), config);
    const r = await runCli(['build', '--project', project, '--interpreter', '3.11', '--distro', 'el9', '--out', out, '--index-url', index.url, '--no-smoke-test', '--quiet'],
      isolatedEnv({ SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: join(work, 'cache') }));
    return { status: r.status, stdout: r.stdout, report: JSON.parse(readFileSync(join(out, 'build-report.json'), 'utf8')) as Report };
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-waivers-it-'));
    index = await helloToolIndex(join(work, 'wheels'), ['3.11']);
    project = await lockHelloTool(work, index, '3.11');
    // i386 without the C library (a 64-bit machine may have none): ELF files for another machine is all they need to be.
    const gcc = requiredCommand('gcc', 'gcc');
    mkdirSync(join(project, 'extras/alpha'), { recursive: true });
    mkdirSync(join(project, 'extras/solverdir/cbc/linux/i386'), { recursive: true });
    writeFileSync(join(work, 'solver.c'), 'int solve(void) { return 42; }\n');
    for (const target of ['extras/alpha/_fast.so', 'extras/solverdir/cbc/linux/i386/libcbc.so']) {
      const r = await run(gcc, ['-m32', '-shared', '-fPIC', '-nostdlib', '-o', join(project, target), join(work, 'solver.c')]);
      if (r.status !== 0) throw new Error(r.stderr);
    }
  });

  afterAll(async () => {
    await index?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('stops on the foreign extension module (PH309) and only warns of the inert library (PH318)', async () => {
    const out = join(work, 'out-unwaived');
    const { status, report } = await build(COPY, out);
    expect(status).toBe(1);
    expect(report.ok).toBe(false);
    const fast = report.findings.find((f) => f.file === FAST);
    expect(fast).toMatchObject({ rule: 'PH309', severity: 'error' });
    expect(fast?.message).toContain('built for i386 (ELF machine 3), not x86_64, and it is an extension module Python would import');
    expect(fast?.message).toContain('lock the package\'s wheel for x86_64');
    expect(report.findings.find((f) => f.file === SOLVER)).toMatchObject({ rule: 'PH318', severity: 'warning' });
    expect(report.findings.filter((f) => f.severity === 'error').map((f) => f.file)).toEqual([FAST]);
    expect(existsSync(join(out, 'phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64.rpm'))).toBe(false);
  });

  describe('with audit.waive', () => {
    let status: number;
    let stdout: string;
    let report: Report;
    let rpm: string;

    beforeAll(async () => {
      ({ status, stdout, report } = await build(`${COPY}${WAIVE}`, join(work, 'out-waived')));
      rpm = report.artifacts?.rpm ?? '';
    });

    it('passes, the waived findings in the report with their reasons, the unmatched waiver at its line', () => {
      expect(status, stdout).toBe(0);
      expect(report.ok).toBe(true);
      expect(report.findings.find((f) => f.file === FAST)).toMatchObject({ rule: 'PH309', severity: 'error', waived: { reason: 'alpha imports _fast only on i386 hosts (100% guarded)', by: 'phoreus.yaml:14' } });
      expect(report.findings.find((f) => f.file === SOLVER)?.waived?.by).toBe('phoreus.yaml:11');
      expect(report.findings.find((f) => f.rule === 'PH319')).toMatchObject({ severity: 'warning', file: 'phoreus.yaml', line: 17 });
      expect(report.summary).toMatchObject({ errors: 0, waived: 2 });
      expect(report.config.audit?.waive).toHaveLength(3);
      expect(stdout).toContain(`${FAST}:1: waived error PH309:`);
      expect(stdout).toContain('[waived by phoreus.yaml:14: alpha imports _fast only on i386 hosts (100% guarded)]');
    });

    it('builds the packages again to name the waived findings in the RPM\'s description', async () => {
      expect(Object.keys(report.timings)).toContain('Build the RPM and SRPM naming the waived findings');
      const description = (await run('rpm', ['-qp', '--qf', '%{DESCRIPTION}', rpm])).stdout;
      expect(description).toContain('Audit findings waived by audit.waive in phoreus.yaml, each with its reason:');
      expect(description).toContain('- PH309 lib/python3.11/site-packages/alpha/_fast.so: alpha imports _fast only on i386 hosts (100% guarded)');
      expect(description).toContain('- PH318 lib/python3.11/site-packages/solverdir/cbc/linux/i386/libcbc.so: the solver is bundled for every platform and picked by machine at run time');
      expect(description).not.toContain('no-such-program');
    });

    it('gives the build\'s verdict when the RPM is audited with the configuration, and fails without it', async () => {
      const config = join(project, 'phoreus.yaml');
      const waived = await runCli(['audit', rpm, '--config', config, '--format', 'json', '--quiet', '--no-smoke-test']);
      expect(waived.status, waived.stderr).toBe(0);
      const audited = JSON.parse(waived.stdout) as Report;
      expect(audited.summary).toEqual({ errors: 0, warnings: 1, waived: 2 });
      expect(audited.findings.filter((f) => f.waived).map((f) => f.file).sort()).toEqual([FAST, SOLVER]);

      const sarif = await runCli(['audit', rpm, '--config', config, '--format', 'sarif', '--quiet', '--no-smoke-test']);
      const results = JSON.parse(sarif.stdout).runs[0].results as Array<{ ruleId: string; suppressions?: Array<{ justification: string }> }>;
      expect(results.find((r) => r.ruleId === 'PH309')?.suppressions?.[0]?.justification).toBe('alpha imports _fast only on i386 hosts (100% guarded) (phoreus.yaml:14)');

      const bare = await runCli(['audit', rpm, '--format', 'json', '--quiet', '--no-smoke-test']);
      expect(bare.status).toBe(1);
      expect((JSON.parse(bare.stdout) as Report).summary).toEqual({ errors: 1, warnings: 1, waived: 0 });
    });

    it('refuses a configuration that waives a rule of the charter\'s core, in one line', async () => {
      const config = join(work, 'bad.yaml');
      writeFileSync(config, 'audit:\n  waive:\n    - rule: PH312\n      path: lib/x\n      reason: stripped\n');
      const r = await runCli(['audit', rpm, '--config', config, '--quiet', '--no-smoke-test']);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/bad\.yaml:3: audit\.waive\[0\]\.rule: "PH312" cannot be waived/);
    });
  });
});
