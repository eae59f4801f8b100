/** The GitHub Action: reads its inputs, runs the chosen mode, and reports on the runner. */
import * as core from '@actions/core';
import { auditMode } from './action/audit.js';
import { buildMode } from './action/build.js';
import { input } from './action/common.js';
import { matrixMode } from './action/matrix.js';
import { verifyMode } from './action/verify.js';
import { errorLine, UsageError } from './inputs/usage-error.js';
import { redact } from './report/redact.js';
import { stopCleanlyOnSignals } from './tools/lifecycle.js';

const MODES: Record<string, (workspace: string) => Promise<void>> = { verify: verifyMode, build: buildMode, audit: auditMode, matrix: matrixMode };

async function main(): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const mode = input('mode') ?? 'verify';
  const run = MODES[mode];
  if (!run) throw new UsageError(`mode "${mode}" is not one of ${Object.keys(MODES).join(', ')}`);
  await run(workspace);
}

stopCleanlyOnSignals();
main().catch((error: unknown) => {
  core.setFailed(redact(errorLine(error)));
  process.exitCode = 2;
});
