/** Mode audit: the charter's rules on any binary RPM, and optionally its smoke test. */
import { join } from 'node:path';
import * as core from '@actions/core';
import { outward } from '../core/outward.js';
import { configuredWaivers, renderAudit, resolveSmokeTest, runAudit } from '../commands/audit-command.js';
import { absolutePath, optional, parseBoolean, parseInterpreter } from '../inputs/options.js';
import { UsageError } from '../core/errors.js';
import { annotate, writeSummary } from '../report/github.js';
import { actionLog, findingOutputs, input, writeOutput } from './common.js';

export async function auditMode(workspace: string): Promise<void> {
  const rpm = input('rpm');
  if (!rpm) throw new UsageError('mode audit needs the rpm input: the path of a binary RPM');
  const smoke = parseBoolean('smoke-test', input('smoke-test'), false);
  // The waivers the build applied: the config input, else the project's phoreus.yaml.
  const waiversFor = configuredWaivers(absolutePath(input('project') ?? '.', workspace), input('config') && absolutePath(input('config') ?? '', workspace));
  const { result, exitCode } = await runAudit({
    rpm: absolutePath(rpm, workspace),
    distro: input('distro') ?? 'el9',
    ...optional('interpreter', parseInterpreter(input('interpreter'))),
    ...optional('modulefile', input('modulefile') && absolutePath(input('modulefile') ?? '', workspace)),
    ...optional('interpreterHome', input('interpreter-home')),
    ...optional('interpreterModule', input('interpreter-module')),
    ...optional('waiversFor', waiversFor),
    ...optional('signedBy', input('public-key') && absolutePath(input('public-key') ?? '', workspace)),
    ...((await resolveSmokeTest(smoke, false, actionLog)) ? { smokeTest: { ...optional('command', input('smoke-command')), ...optional('python', input('python')) } } : {}),
  }, actionLog);
  actionLog.info(renderAudit('text', result).trimEnd());
  annotate(result.findings, '.');
  const reportPath = join(process.env.RUNNER_TEMP ?? workspace, 'phoreus-rpm', 'audit-report.json');
  writeOutput(reportPath, renderAudit('json', result));
  core.setOutput('report', reportPath);
  const { errors } = findingOutputs(result.findings, workspace, () => renderAudit('sarif', result));
  await writeSummary('Phoreus RPM audit', result.findings, [
    ['RPM', result.name],
    ['Interpreter', `Python ${result.interpreter}`],
    ['Payload', `${result.files} entries, ${(result.bytes / 1048576).toFixed(1)} MiB`],
    ['Audit time', `${result.seconds.toFixed(2)} s`],
  ]);
  if (exitCode !== 0) core.setFailed(outward(`${errors} error finding(s) against the Phoreus Python Packaging Charter in ${result.name}`));
}
