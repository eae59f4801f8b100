/**
 * pip-tools in a private virtual environment, installed with --require-hashes from the
 * lock this project ships for that Python minor (tools/pip-tools/requirements-X.Y.lock):
 * the action obeys the charter it enforces. The environment is cached by the lock's hash.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../inputs/usage-error.js';
import { redactUrls } from '../report/redact.js';
import type { Log } from '../report/log.js';
import { cacheRoot } from './cache-dir.js';
import { lastLine, run } from './process.js';
import { resourcePath } from './resources.js';

export async function pipToolsPython(python: string, minor: string, log: Log): Promise<string> {
  const lockPath = resourcePath(`tools/pip-tools/requirements-${minor}.lock`);
  if (!lockPath) {
    throw new UsageError(`the drift check (PH108) has no pip-tools lock for Python ${minor} (tools/pip-tools/ covers 3.9 to 3.13); pass --offline to skip it`);
  }
  const lock = readFileSync(lockPath);
  const key = createHash('sha256').update(lock).update(python).digest('hex').slice(0, 16);
  const venv = join(cacheRoot(), 'pip-tools', `py${minor}-${key}`);
  const venvPython = join(venv, 'bin', 'python');
  if (existsSync(join(venv, '.complete'))) return venvPython;

  log.info(`Installing pip-tools for Python ${minor} from ${lockPath} (hash-locked)`);
  const staging = `${venv}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const create = await run(python, ['-m', 'venv', staging]);
  if (create.exitCode !== 0) throw new UsageError(`could not create a virtual environment with ${python}: ${lastLine(create.stderr)}`);
  const install = await run(join(staging, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--no-input', '--require-hashes', '-r', lockPath]);
  if (install.exitCode !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new UsageError(`could not install pip-tools from ${lockPath}: ${redactUrls(lastLine(install.stderr))}; check that the package index is reachable (PIP_INDEX_URL) or pass --offline`);
  }
  writeFileSync(join(staging, '.complete'), '');
  try {
    renameSync(staging, venv);
  } catch {
    // Another run finished first: use its environment.
    rmSync(staging, { recursive: true, force: true });
  }
  return venvPython;
}
