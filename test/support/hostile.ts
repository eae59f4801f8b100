/**
 * Running the real CLI and action on hostile inputs, and judging the outcome the way a
 * security reviewer would: refused with one clear line (no stack trace, no "internal
 * error"), no marker file created, nothing left in its own temporary directory, nothing but
 * the report in the output directory.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runActionWith, type ActionRun } from './action-runner.js';
import { isolatedEnv, runCli, type Ran } from './processes.js';

export interface Outcome extends Ran {
  /** What the run left in its own TMPDIR: must be nothing. */
  leftovers: string[];
}

/** Runs the CLI with a TMPDIR of its own, so whatever it leaves behind is seen. */
export async function cli(work: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Outcome> {
  const tmp = mkdtempSync(join(work, 'tmp-'));
  const r = await runCli(args, isolatedEnv({ TMPDIR: tmp, ...env }), cwd);
  return { ...r, leftovers: readdirSync(tmp) };
}

/** Runs the bundled action as a runner would, with a TMPDIR of its own. */
export async function action(work: string, inputs: Record<string, string>, workspace: string, env: Record<string, string> = {}): Promise<ActionRun & { leftovers: string[] }> {
  const tmp = mkdtempSync(join(work, 'tmp-'));
  const r = await runActionWith(inputs, { workspace, root: work, env: { TMPDIR: tmp, ...env } });
  return { ...r, leftovers: readdirSync(tmp) };
}

/** Refused as the tool refuses: the status, one "phoreus-rpm: …" line last, no trace, nothing left behind. */
export function expectRefusal(r: Outcome, status: 1 | 2, says: RegExp): void {
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(status);
  const last = r.stderr.trim().split('\n').pop() ?? '';
  expect(last).toMatch(/^phoreus-rpm: /);
  expect(last).toMatch(says);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at |Error: /);
  expect(r.leftovers).toEqual([]);
}

/** The files a refused or failed build left in its output directory: the report at most. */
export function outputs(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** A fresh copy of a locked project, to spoil one way. */
export function copyOf(project: string, work: string): string {
  const dir = mkdtempSync(join(work, 'project-'));
  cpSync(project, dir, { recursive: true });
  return dir;
}

/** Every text a run produced, for looking for what must never be there. */
export function everything(r: Ran | ActionRun, ...files: string[]): string {
  return [r.stdout, r.stderr, ...('summary' in r ? [r.summary, JSON.stringify(r.outputs)] : []), ...files].join('\n');
}
