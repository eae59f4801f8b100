/** Mode verify: the lockfile check, as a pull-request check. */
import { join, relative } from 'node:path';
import * as core from '@actions/core';
import { outward } from '../core/outward.js';
import { render, runVerify, verifySubject } from '../commands/verify-command.js';
import { parseBoolean } from '../inputs/options.js';
import { renderJson } from '../report/formats.js';
import { annotate, writeSummary } from '../report/github.js';
import { actionLog } from '../core/log.js';
import { findingOutputs, input, maskSecrets, readCommonOptions, writeOutput } from './common.js';

export async function verifyMode(workspace: string): Promise<void> {
  const options = { ...readCommonOptions(workspace), offline: parseBoolean('offline', input('offline'), false) };
  const { result, exitCode } = await runVerify(options, actionLog);
  maskSecrets(result.secrets);

  const prefix = relative(workspace, result.project) || '.';
  actionLog.info(render('text', result, prefix).trimEnd());
  annotate(result.findings, prefix);

  const reportPath = join(process.env.RUNNER_TEMP ?? workspace, 'phoreus-rpm', 'verify-report.json');
  writeOutput(reportPath, renderJson(verifySubject(result), result.findings));
  core.setOutput('report', reportPath);
  const { errors } = findingOutputs(result.findings, workspace, () => render('sarif', result, prefix));
  await writeSummary('Phoreus lockfile verification', result.findings, [
    ['Project', prefix],
    ['Interpreter', `Python ${result.interpreter}`],
    ['Lock', result.lock],
    ['Drift check (PH108)', result.drift],
  ]);
  if (exitCode !== 0) core.setFailed(outward(`${errors} error finding(s) against the Phoreus Python Packaging Charter; see the annotations`));
}
