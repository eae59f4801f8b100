/**
 * The drift check (PH108) with real tools: pip-tools from its hash-locked private venv,
 * pip-compile against a local package index on 127.0.0.1, and the bundled CLI.
 * Bootstrapping pip-tools needs the public package index once per machine (then it is cached).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePackageIndex, type PackageIndex } from '../support/package-index.js';
import { isolatedEnv, makeWheel, pythonPath, run, runCli, TEST_CACHE } from '../support/processes.js';
import { pipToolsPython } from '../../src/tools/pip-tools.js';
import { streamLog } from '../../src/core/log.js';

describe('verify: drift check against a local index (pip-tools bootstrap needs the public package index once)', () => {
  let work: string;
  let wheels: string;
  let project: string;
  let index: PackageIndex;
  let pipCompile: (args: string[]) => Promise<void>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-drift-it-'));
    wheels = join(work, 'wheels');
    project = join(work, 'project');
    makeWheel(wheels, 'alpha', '1.0', ['--requires', 'beta>=1.0']);
    makeWheel(wheels, 'beta', '1.0');
    makeWheel(wheels, 'beta', '1.1');
    index = await servePackageIndex(wheels);

    process.env.PHOREUS_RPM_CACHE = TEST_CACHE;
    const python = await pipToolsPython(pythonPath('3.11'), '3.11', streamLog(() => undefined));
    pipCompile = async (args) => {
      const r = await run(python, ['-m', 'piptools', 'compile', '--quiet', ...args], { cwd: project });
      if (r.status !== 0) throw new Error(r.stderr);
    };
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'requirements.in'), 'alpha>=1.0\n');
    await pipCompile(['--generate-hashes', '--allow-unsafe', `--index-url=${index.url}`, '--output-file=requirements.lock', 'requirements.in']);
  });

  afterAll(async () => {
    await index?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function verifyJson(...extra: string[]) {
    const r = await runCli(['verify', '--project', project, '--interpreter', '3.11', '--format', 'json', ...extra], isolatedEnv());
    return { ...r, report: r.stdout ? JSON.parse(r.stdout) : undefined };
  }

  it('passes a lock that pip-compile reproduces, re-running it against the index', async () => {
    const before = index.requests.length;
    const { status, report, stderr } = await verifyJson();
    expect(stderr).toContain('Drift check');
    expect(report.drift).toBe('checked');
    expect(report.findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
    expect(status).toBe(0);
    expect(index.requests.length).toBeGreaterThan(before);
    expect(readFileSync(join(project, 'requirements.lock'), 'utf8')).toContain('beta==1.1');
  });

  it('reports a hash the index no longer serves, at the line of the package', async () => {
    const lockPath = join(project, 'requirements.lock');
    const original = readFileSync(lockPath, 'utf8');
    try {
      const tampered = original.replace(/(beta==1\.1 \\\n\s+--hash=sha256:)([0-9a-f])/, (_m, head: string, c: string) => `${head}${c === '0' ? '1' : '0'}`);
      expect(tampered).not.toBe(original);
      writeFileSync(lockPath, tampered);
      const { status, report } = await verifyJson();
      const line = tampered.split('\n').findIndex((l) => l.startsWith('beta==1.1')) + 1;
      expect(status).toBe(1);
      expect(report.findings).toContainEqual(expect.objectContaining({ rule: 'PH108', file: 'requirements.lock', line, severity: 'error' }));
      expect(report.findings.find((f: { rule: string }) => f.rule === 'PH108').message).toContain('no longer serves');
    } finally {
      writeFileSync(lockPath, original);
    }
  });

  it('reports a file published after the lock was compiled', async () => {
    const extra = makeWheel(wheels, 'beta', '1.1', ['--tag', 'py2.py3-none-any', '--payload', '# another build']);
    try {
      const { status, report } = await verifyJson();
      expect(status).toBe(1);
      const drift = report.findings.filter((f: { rule: string }) => f.rule === 'PH108');
      expect(drift).toHaveLength(1);
      expect(drift[0].message).toMatch(/beta==1\.1 lacks hashes/);
    } finally {
      rmSync(extra);
    }
  });

  it('reports a pin pip-compile would not keep: requirements.in excludes it', async () => {
    const inPath = join(project, 'requirements.in');
    try {
      writeFileSync(inPath, 'alpha>=1.0\nbeta<1.1\n');
      const { status, report } = await verifyJson();
      expect(status).toBe(1);
      const rules = report.findings.map((f: { rule: string }) => f.rule);
      expect(rules).toContain('PH107');
      expect(rules).toContain('PH108');
    } finally {
      writeFileSync(inPath, 'alpha>=1.0\n');
    }
  });

  it('skips the drift check with --offline, and says the index is unreachable without it', async () => {
    const offline = await verifyJson('--offline');
    expect(offline.status).toBe(0);
    expect(offline.report.drift).toBe('skipped: offline');

    const lockPath = join(project, 'requirements.lock');
    const original = readFileSync(lockPath, 'utf8');
    try {
      // An index URL nobody listens on: the environment is at fault, not the lock.
      writeFileSync(lockPath, original.replace(/--index-url=\S+/, '--index-url=http://127.0.0.1:9/simple'));
      const r = await runCli(['verify', '--project', project, '--interpreter', '3.11'], isolatedEnv());
      expect(r.status).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines[lines.length - 1]).toMatch(/^phoreus-rpm: the package index cannot be reached at http:\/\/127\.0\.0\.1:9\/simple\/\S+\/ \(ECONNREFUSED\), so the drift check \(PH108\) cannot run; .*--offline/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      writeFileSync(lockPath, original);
    }
  });
});
