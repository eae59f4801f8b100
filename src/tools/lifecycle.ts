/**
 * What the process leaves behind when it stops: every child process group it started and
 * every temporary file of its own and of its children. A supervised run keeps all of them in
 * one directory of its own (its children inherit it as TMPDIR: pip's extracted certificates,
 * rpmbuild's scripts), removed when the process exits; SIGINT and SIGTERM first stop the
 * children (rpmbuild, pip and what they started). An interrupted run leaves neither a running
 * build nor a temporary file.
 */
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const children = new Set<ChildProcess>();
const scratch = new Set<string>();
let handling = false;

/** Time given to children to stop on SIGTERM before they are killed. */
const GRACE_MS = 3000;

/**
 * Called once by each entry point (the CLI, the action): from then on every temporary file
 * goes to one directory of this run, and SIGINT and SIGTERM stop everything cleanly.
 */
export function superviseRun(): void {
  if (handling) return;
  handling = true;
  const own = mkdtempSync(join(tmpdir(), 'phoreus-rpm-'));
  scratch.add(own);
  process.env.TMPDIR = own;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopEverything(signal));
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the child's whole process group
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

async function stopEverything(signal: NodeJS.Signals): Promise<void> {
  process.stderr.write(`phoreus-rpm: ${signal}: stopping ${children.size} child process(es) and removing temporary files\n`);
  for (const child of children) signalGroup(child, 'SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  while ([...children].some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const child of children) signalGroup(child, 'SIGKILL');
  removeAllScratch();
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

/** Registers a started child (spawned with `detached: true`, so it leads its own process group). */
export function adoptChild(child: ChildProcess): void {
  children.add(child);
  child.once('close', () => children.delete(child));
  child.once('error', () => children.delete(child));
}

/** A new directory in the system's temporary directory (or `parent`), removed on exit and on interruption unless removed before. */
export function scratchDir(prefix: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, prefix));
  scratch.add(dir);
  return dir;
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  scratch.delete(dir);
}

function removeAllScratch(): void {
  for (const dir of scratch) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort on the way out
    }
  }
  scratch.clear();
}

process.once('exit', removeAllScratch);
