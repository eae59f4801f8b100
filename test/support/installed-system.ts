/**
 * An installed Phoreus system, simulated as root without touching the host: the RPM's
 * payload is extracted into a scratch root, and a private mount namespace mounts it at
 * /usr/local/phoreus with the target interpreter bind-mounted at its home. Real Lmod then
 * loads the modulefile and runs a command, exactly as a user's shell would.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run, type Ran } from './processes.js';

export const LMOD_INIT = '/usr/share/lmod/lmod/init/bash';

/** Extracts RPM payloads into a new scratch root; returns the root. */
export async function extractPayloads(rpms: string[]): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'phoreus-root-'));
  for (const rpm of rpms) {
    const r = await run('sh', ['-c', `rpm2cpio "${rpm}" | cpio -idm --quiet`], { cwd: root });
    if (r.status !== 0) throw new Error(`extracting ${rpm}: ${r.stderr}`);
  }
  return root;
}

/**
 * Provides what the phoreus and phoreus-python-X.Y packages would: the interpreter at its
 * home (a mount point, filled by a bind mount) and its Lmod module.
 */
export function provideInterpreter(root: string, minor: string): void {
  mkdirSync(join(root, 'usr/local/phoreus/python', minor), { recursive: true });
  const module = join(root, 'usr/local/phoreus/modulefiles', `phoreus-python-${minor}.lua`);
  mkdirSync(dirname(module), { recursive: true });
  writeFileSync(module, `whatis("Python ${minor} for Phoreus")\nprepend_path("PATH", "/usr/local/phoreus/python/${minor}/bin")\n`);
}

/**
 * Runs a bash script in a mount namespace where /usr/local is a fresh tmpfs holding the
 * scratch root's phoreus tree, with `pythonPrefix` (a CPython installation) at its home.
 */
export async function runInstalled(root: string, minor: string, pythonPrefix: string, script: string): Promise<Ran> {
  const setup = [
    'set -e',
    'mount -t tmpfs tmpfs /usr/local',
    'mkdir -p /usr/local/phoreus',
    `mount --bind "${root}/usr/local/phoreus" /usr/local/phoreus`,
    `mount --bind "${pythonPrefix}" /usr/local/phoreus/python/${minor}`,
    'set +e',
    // A clean user environment: nothing of the host's Python setup leaks in.
    'unset PYTHONPATH PYTHONHOME VIRTUAL_ENV PYENV_VERSION',
    'export PATH=/usr/bin:/bin',
    `source ${LMOD_INIT}`,
    'module use /usr/local/phoreus/modulefiles',
    script,
  ].join('\n');
  return run('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', setup]);
}
