/**
 * The smoke test: the RPM's payload installed into a scratch root, mounted at
 * /usr/local/phoreus in a private mount namespace with the target interpreter bind-mounted
 * at its home, the modulefile loaded by real Lmod, and a command run — as a user's shell
 * would. Needs root (or passwordless sudo), unshare and Lmod; touches nothing of the host.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { finding, type Finding } from '../checks/finding.js';
import { UsageError } from '../inputs/usage-error.js';
import type { Log } from '../report/log.js';
import { findPython } from '../tools/python.js';
import { run, type RunResult } from '../tools/process.js';
import { asRoot, installPackages, requireTools, which } from '../tools/system.js';

const LMOD_INITS = ['/usr/share/lmod/lmod/init/bash', '/usr/share/lmod/lmod/init/profile', '/opt/apps/lmod/lmod/init/bash'];

export function lmodInit(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.LMOD_PKG ? [join(env.LMOD_PKG, 'init', 'bash'), ...LMOD_INITS] : LMOD_INITS;
  return candidates.find((c) => existsSync(c));
}

/** Why the smoke test cannot run here, or undefined when it can. */
export async function smokeTestUnavailable(): Promise<string | undefined> {
  if (!(await asRoot())) return 'it needs root or passwordless sudo';
  if (!which('unshare')) return 'unshare (util-linux) is not installed';
  if (!lmodInit()) return 'Lmod is not installed (apt-get install lmod, or dnf install Lmod)';
  return undefined;
}

/** Installs what the smoke test needs (Lmod, unshare) when asked for it explicitly. */
export async function provideSmokeTestTools(log: Log): Promise<void> {
  if (!lmodInit()) await installPackages({ apt: ['lmod'], dnf: ['Lmod'] }, 'Lmod', log);
  await requireTools(['unshare'], log);
}

export async function extractPayloads(rpms: readonly string[], root: string): Promise<void> {
  for (const rpm of rpms) {
    const r = await run('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', rpm], { cwd: root });
    if (r.exitCode !== 0) throw new UsageError(`extracting ${rpm} failed: ${r.stderr.trim()}`);
  }
}

/** What phoreus and phoreus-python-X.Y would provide: the interpreter's mount point and its module. */
export function provideInterpreter(root: string, interpreterHome: string, interpreterModule: string): void {
  mkdirSync(join(root, interpreterHome), { recursive: true });
  const module = join(root, 'usr/local/phoreus/modulefiles', `${interpreterModule}.lua`);
  if (existsSync(module)) return;
  mkdirSync(dirname(module), { recursive: true });
  writeFileSync(module, `whatis("Python interpreter module for the smoke test")\nprepend_path("PATH", "${interpreterHome}/bin")\n`);
}

/**
 * Runs a bash script where /usr/local is a fresh tmpfs holding the scratch root's phoreus
 * tree and `pythonPrefix` (a CPython installation) is mounted at the interpreter's home.
 */
export async function runInstalled(root: string, interpreterHome: string, pythonPrefix: string, script: string): Promise<RunResult> {
  const prefix = await asRoot();
  const init = lmodInit();
  if (!prefix || !init) throw new UsageError(`the smoke test cannot run here: ${await smokeTestUnavailable()}`);
  const setup = [
    'set -e',
    'mount -t tmpfs tmpfs /usr/local',
    'mkdir -p /usr/local/phoreus',
    `mount --bind "${root}/usr/local/phoreus" /usr/local/phoreus`,
    `mount --bind "${pythonPrefix}" "${interpreterHome}"`,
    'set +e',
    // A clean user environment: nothing of the host's Python setup leaks in.
    'unset PYTHONPATH PYTHONHOME VIRTUAL_ENV PYENV_VERSION',
    'export PATH=/usr/bin:/bin',
    `source ${init}`,
    'module use /usr/local/phoreus/modulefiles',
    script,
  ].join('\n');
  const [command, ...args] = [...prefix, 'unshare', '--mount', '--propagation', 'private', 'bash', '-c', setup];
  return run(command ?? 'unshare', args);
}

export interface SmokeTestInput {
  rpm: string;
  tool: string;
  version: string;
  interpreter: string;
  interpreterHome: string;
  interpreterModule: string;
  /** The command to run once the module is loaded; default: the tool's console script with --version, else --help. */
  command?: string;
  python?: string;
}

export async function smokeTest(input: SmokeTestInput, log: Log): Promise<Finding[]> {
  const root = mkdtempSync(join(tmpdir(), 'phoreus-smoke-'));
  try {
    await extractPayloads([input.rpm], root);
    provideInterpreter(root, input.interpreterHome, input.interpreterModule);
    const python = await findPython(input.interpreter, input.python);
    const pythonPrefix = dirname(dirname(python));
    const script = existsSync(join(root, `usr/local/phoreus/${input.tool}/${input.version}/venv/bin/${input.tool}`))
      ? `${input.tool} --version || ${input.tool} --help`
      : 'python -c "import sys; print(sys.prefix)"';
    const command = input.command ?? script;
    log.info(`Smoke test: module load ${input.tool}/${input.version} && ${command}`);
    const r = await runInstalled(root, input.interpreterHome, pythonPrefix, `module load ${input.tool}/${input.version} || exit 97\n${command}`);
    if (r.exitCode === 0) {
      log.info(`Smoke test passed: ${r.stdout.trim().split('\n').slice(-3).join(' | ')}`);
      return [];
    }
    const output = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-12).join('\n');
    const what = r.exitCode === 97 ? `module load ${input.tool}/${input.version} failed` : `"${command}" exited with status ${r.exitCode}`;
    return [finding('PH314', `/usr/local/phoreus/modulefiles/${input.tool}/${input.version}.lua`, 1, `smoke test: after installing the payload and loading the module, ${what}:\n${output}`)];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
