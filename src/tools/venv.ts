/**
 * A private virtual environment installed with --require-hashes from a lock, cached by the
 * lock's content and the interpreter: how the tool runs Python tools without trusting the
 * index's latest release (pip-tools, a project's build backend).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../inputs/usage-error.js';
import type { Log } from '../report/log.js';
import { redactUrls } from '../report/redact.js';
import { cacheRoot } from './cache-dir.js';
import { lastLine, run } from './process.js';

/** Returns the environment's python, creating the environment on first use. */
export async function pythonVenv(python: string, lockPath: string, log: Log): Promise<string> {
  const key = createHash('sha256').update(readFileSync(lockPath)).update(python).digest('hex').slice(0, 16);
  const venv = join(cacheRoot(), 'venvs', `${basename(lockPath).replace(/\.lock$/, '')}-${key}`);
  const venvPython = join(venv, 'bin', 'python');
  if (existsSync(join(venv, '.complete'))) return venvPython;

  log.info(`Installing ${lockPath} into a private virtual environment (--require-hashes)`);
  const staging = `${venv}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const create = await run(python, ['-m', 'venv', staging]);
  if (create.exitCode !== 0) throw new UsageError(`could not create a virtual environment with ${python}: ${lastLine(create.stderr)}`);
  const install = await run(join(staging, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--no-input', '--disable-pip-version-check', '--require-hashes', '-r', lockPath]);
  if (install.exitCode !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new UsageError(`could not install ${lockPath}: ${redactUrls(lastLine(install.stderr))}; check that the package index is reachable (PIP_INDEX_URL)`);
  }
  writeFileSync(join(staging, '.complete'), '');
  try {
    renameSync(staging, venv);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run finished first: use its environment
  }
  return venvPython;
}
