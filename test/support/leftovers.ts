/**
 * Vitest's global setup: the run gets a temp directory of its own, as TMPDIR, which every test
 * worker and every process a test starts (the CLI, the action, rpmbuild, pip) inherits; at the
 * end, anything left in it — a directory a test or the code under test did not remove — fails
 * the run, by name. A directory of its own keeps other runs sharing /tmp out of the count.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const inherited = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'vitest-phoreus-rpm-'));
  process.env.TMPDIR = dir;
  return () => {
    if (inherited === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = inherited;
    const left = readdirSync(dir).sort();
    rmSync(dir, { recursive: true, force: true });
    if (left.length === 0) return;
    // Vitest reports an error thrown here but still exits 0: the exit status is set as well.
    process.exitCode = 1;
    throw new Error(`the tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp directory: ${left.join(', ')}`);
  };
}
