/**
 * The programs the tests run for real. A missing one fails the test that needs it with the
 * command that installs it, never a skip: `npm test` (scripts/test.sh) installs them all.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pythonPath } from './processes.js';

/** The interpreters every part of the suite needs; the others of 3.8–3.13 are used where present. */
export const SUITE_INTERPRETERS = ['3.10', '3.11'] as const;

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/** The first of `commands` on PATH, or an error naming the Debian/Ubuntu package that provides it. */
export function requiredCommand(commands: string | readonly string[], aptPackage: string): string {
  const names = typeof commands === 'string' ? [commands] : commands;
  for (const name of names) {
    const found = onPath(name);
    if (found) return found;
  }
  throw new Error(`${names.join(' or ')} is not installed; install it with \`sudo apt-get install -y ${aptPackage}\` (npm test installs every tool the tests need)`);
}

/** Which of these minor versions this machine has, each with its interpreter. */
export function installedPythons(minors: readonly string[]): Array<{ minor: string; python: string }> {
  return minors.flatMap((minor) => {
    try {
      return [{ minor, python: pythonPath(minor) }];
    } catch {
      return [];
    }
  });
}
