/** Mode verify: the lockfile check, as a pull-request check. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as cache from '@actions/cache';
import * as core from '@actions/core';
import { outward } from '../core/outward.js';
import { render, runVerify, verifySubject } from '../commands/verify-command.js';
import { parseBoolean } from '../inputs/options.js';
import { renderJson } from '../report/formats.js';
import { annotate, writeSummary } from '../report/github.js';
import { driftCacheKeys, driftCachePaths, WheelhouseCache } from '../publish/wheelhouse-cache.js';
import { resourcePath } from '../tools/resources.js';
import { actionLog, findingOutputs, input, maskSecrets, readCommonOptions, writeOutput } from './common.js';

/** The text the drift check's cache is keyed by: pip-tools' locks, and the project's requirements files. */
function driftScope(project: string): { toolLocks: string; projectFiles: string } {
  const read = (dir: string | undefined, pattern: RegExp): string => (dir && existsSync(dir) ? readdirSync(dir).filter((f) => pattern.test(f)).sort()
    .map((f) => `${f}\0${readFileSync(join(dir, f), 'utf8')}`).join('\0') : '');
  return { toolLocks: read(resourcePath('tools/pip-tools'), /\.lock$/), projectFiles: read(project, /\.(in|lock|txt)$/) };
}

export async function verifyMode(workspace: string): Promise<void> {
  const options = { ...readCommonOptions(workspace), offline: parseBoolean('offline', input('offline'), false) };
  // The drift check's pip-tools venv and pip-compile's cache, kept like the wheelhouse.
  const scope = driftScope(options.project);
  const kept = !options.offline && parseBoolean('cache', input('cache'), true) && cache.isFeatureAvailable()
    ? new WheelhouseCache(actionLog, driftCacheKeys, driftCachePaths) : undefined;
  await kept?.restore(scope);
  const { result, exitCode } = await runVerify(options, actionLog);
  if (result.drift === 'checked') await kept?.save(scope);
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
