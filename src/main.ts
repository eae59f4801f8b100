/**
 * The GitHub Action: reads its inputs, runs the chosen mode, and reports on the runner.
 * Importing this module starts nothing: src/index.ts (the bundle's entry) calls run(), and so
 * does @github/local-action.
 */
import * as core from '@actions/core';
import { auditMode } from './action/audit.js';
import { buildMode } from './action/build.js';
import { input } from './action/common.js';
import { matrixMode } from './action/matrix.js';
import { publishMode } from './action/publish.js';
import { verifyMode } from './action/verify.js';
import { errorLine, exitStatus, UsageError } from './core/errors.js';
import { redact } from './core/redact.js';
import { superviseRun } from './tools/lifecycle.js';

const MODES: Record<string, (workspace: string) => Promise<void>> = { verify: verifyMode, build: buildMode, audit: auditMode, matrix: matrixMode, publish: publishMode };

/** Runs the mode the inputs ask for; a failure is one line on the step and the process's exit status. */
export async function run(): Promise<void> {
  superviseRun();
  try {
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const mode = input('mode') ?? 'verify';
    const runMode = MODES[mode];
    if (!runMode) throw new UsageError(`mode "${mode}" is not one of ${Object.keys(MODES).join(', ')}`);
    await runMode(workspace);
  } catch (error) {
    core.setFailed(redact(errorLine(error)));
    process.exitCode = exitStatus(error);
  }
}
