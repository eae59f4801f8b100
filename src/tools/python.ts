/**
 * Finds a CPython X.Y to run: an explicit path, the setup-python tool cache, pyenv, or
 * pythonX.Y on PATH. Each candidate is run to confirm its version, so a pyenv shim for an
 * inactive version or a mislabelled binary is never taken.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { run } from './process.js';

const PROBE = 'import sys; print("%d.%d" % sys.version_info[:2])';

function versionDirs(root: string, minor: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => d === minor || d.startsWith(`${minor}.`))
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))
    .map((d) => join(root, d));
}

export function pythonCandidates(minor: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const exe = `python${minor}`;
  const candidates: string[] = [];
  if (env.RUNNER_TOOL_CACHE) {
    for (const dir of versionDirs(join(env.RUNNER_TOOL_CACHE, 'Python'), minor)) {
      for (const arch of ['x64', 'arm64', 'x86_64', 'aarch64']) candidates.push(join(dir, arch, 'bin', exe));
    }
  }
  const pyenvRoot = env.PYENV_ROOT ?? join(homedir(), '.pyenv');
  for (const dir of versionDirs(join(pyenvRoot, 'versions'), minor)) candidates.push(join(dir, 'bin', exe));
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && !dir.includes('shims')) candidates.push(join(dir, exe));
  }
  return candidates.filter((c) => existsSync(c));
}

async function reportsVersion(python: string, minor: string): Promise<boolean> {
  const result = await run(python, ['-c', PROBE]);
  return result.exitCode === 0 && result.stdout.trim() === minor;
}

export async function findPython(minor: string, explicit?: string): Promise<string> {
  if (explicit) {
    if (await reportsVersion(explicit, minor)) return explicit;
    throw new UsageError(`--python ${explicit} is not a working Python ${minor}; point it at a python${minor} executable`);
  }
  for (const candidate of pythonCandidates(minor)) {
    if (await reportsVersion(candidate, minor)) return candidate;
  }
  throw new UsageError(`no Python ${minor} found (looked for python${minor} in the setup-python tool cache, pyenv and PATH); add actions/setup-python with python-version: '${minor}' to the workflow, or pass --python`);
}
