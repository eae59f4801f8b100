/**
 * pip-tools in a private virtual environment, installed with --require-hashes from the
 * lock this project ships for that Python minor (tools/pip-tools/requirements-X.Y.lock):
 * the action obeys the charter it enforces.
 */
import { UsageError } from '../core/errors.js';
import type { Log } from '../core/log.js';
import { resourcePath } from './resources.js';
import { pythonVenv } from './venv.js';

export async function pipToolsPython(python: string, minor: string, log: Log): Promise<string> {
  const lockPath = resourcePath(`tools/pip-tools/requirements-${minor}.lock`);
  if (!lockPath) {
    throw new UsageError(`the drift check (PH108) has no pip-tools lock for Python ${minor} (tools/pip-tools/ covers 3.9 to 3.13); pass --offline to skip it`);
  }
  return pythonVenv(python, lockPath, log);
}
