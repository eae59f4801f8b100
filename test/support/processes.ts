/** Running the bundles and Python the way a user or a runner would, with a pip that sees only the test's index. */
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pythonCandidates } from '../../src/tools/python.js';

export const REPO = resolve(import.meta.dirname, '..', '..');
/** The bundles of the current sources, made by the global setup (test/support/bundle.ts). */
const BUNDLE = process.env.PHOREUS_RPM_TEST_BUNDLE ?? join(REPO, 'dist');
export const CLI = join(BUNDLE, 'cli.js');
export const ACTION = join(BUNDLE, 'index.js');
/** Kept between runs, so pip-tools is bootstrapped once per machine. */
export const TEST_CACHE = join(REPO, 'node_modules', '.cache', 'phoreus-rpm-test');

/** The environment minus any pip configuration of the machine: tests decide every index. */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('PIP_') && !k.startsWith('INPUT_') && !k.startsWith('GITHUB_') && !k.startsWith('RUNNER_')) env[k] = v;
  }
  return { ...env, PIP_CONFIG_FILE: '/dev/null', PIP_DISABLE_PIP_VERSION_CHECK: '1', PHOREUS_RPM_CACHE: TEST_CACHE, ...extra };
}

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command without blocking the event loop: the test's own servers (package index,
 * artifact and cache fakes) live in this process and must answer while it runs.
 */
export function run(command: string, args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<Ran> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { env: options.env ?? isolatedEnv(), cwd: options.cwd ?? REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (error) => resolvePromise({ status: 127, stdout, stderr: stderr + error.message }));
    child.on('close', (code) => resolvePromise({ status: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => undefined); // a command that exits without reading its input
    child.stdin.end(options.input ?? '');
  });
}

export function runCli(args: string[], env: Record<string, string> = isolatedEnv(), cwd = REPO): Promise<Ran> {
  return run(process.execPath, [CLI, ...args], { env, cwd });
}

export function runAction(env: Record<string, string>, cwd = REPO): Promise<Ran> {
  return run(process.execPath, [ACTION], { env, cwd });
}

/** A CPython X.Y of this machine, found as the tool finds one (pyenv here; the setup-python tool cache on a runner). */
export function pythonPath(minor: string): string {
  const found = pythonCandidates(minor)[0];
  if (!found) throw new Error(`Python ${minor} is not installed; install it with \`pyenv install ${minor}\` (or actions/setup-python on GitHub)`);
  return found;
}

export function makeWheel(outdir: string, name: string, version: string, extra: string[] = []): string {
  const r = spawnSync(pythonPath('3.11'), [join(REPO, 'test', 'support', 'make_wheel.py'), outdir, name, version, ...extra], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_wheel failed: ${r.stderr}`);
  return r.stdout.trim();
}
