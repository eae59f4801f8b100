/** The GitHub Action: reads its inputs, runs the chosen mode, and reports on the runner. */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as cache from '@actions/cache';
import * as core from '@actions/core';
import { countBySeverity } from './checks/finding.js';
import { renderAudit, resolveSmokeTest, runAudit } from './commands/audit-command.js';
import { runBuild, runBuildAll } from './commands/build-command.js';
import { matrixFor, renderMatrix } from './commands/matrix-command.js';
import { render, runVerify, verifySubject } from './commands/verify-command.js';
import { absolutePath, optional, parseBoolean, parseInterpreter, parseList, type BuildOptions, type VerifyOptions } from './inputs/options.js';
import { UsageError } from './inputs/usage-error.js';
import { renderJson, renderSarif } from './report/formats.js';
import { uploadBuild } from './publish/artifacts.js';
import { WheelhouseCache } from './publish/wheelhouse-cache.js';
import { annotate, writeSummary } from './report/github.js';
import { actionLog } from './report/log.js';
import { literalCredentials, redactUrls } from './report/redact.js';

function input(name: string): string | undefined {
  const value = core.getInput(name);
  return value === '' ? undefined : value;
}

function readCommonOptions(workspace: string): VerifyOptions {
  const indexUrl = input('index-url');
  const extraIndexUrls = parseList(input('extra-index-url'));
  // Mask credentials before anything can log them.
  for (const url of [indexUrl ?? '', ...extraIndexUrls]) for (const secret of literalCredentials(url)) core.setSecret(secret);
  return {
    project: absolutePath(input('project') ?? '.', workspace),
    offline: false,
    extraIndexUrls,
    ...optional('interpreter', parseInterpreter(input('interpreter'))),
    ...optional('config', input('config') && absolutePath(input('config') ?? '', workspace)),
    ...optional('tool', input('tool')),
    ...optional('version', input('version')),
    ...optional('indexUrl', indexUrl),
    ...optional('python', input('python')),
  };
}

async function verifyMode(workspace: string): Promise<void> {
  const options = { ...readCommonOptions(workspace), offline: parseBoolean('offline', input('offline'), false) };
  const { result, exitCode } = await runVerify(options, actionLog);
  for (const secret of result.secrets) core.setSecret(secret);

  const prefix = relative(workspace, result.project) || '.';
  core.info(render('text', result, prefix).trimEnd());
  annotate(result.findings, prefix);

  const reportPath = join(process.env.RUNNER_TEMP ?? workspace, 'phoreus-rpm', 'verify-report.json');
  writeOutput(reportPath, renderJson(verifySubject(result), result.findings));
  core.setOutput('report', reportPath);
  const sarif = input('sarif');
  if (sarif) {
    const sarifPath = absolutePath(sarif, workspace);
    writeOutput(sarifPath, render('sarif', result, prefix));
    core.setOutput('sarif', sarifPath);
  }
  const { errors, warnings } = countBySeverity(result.findings);
  core.setOutput('findings-errors', String(errors));
  core.setOutput('findings-warnings', String(warnings));
  await writeSummary('Phoreus lockfile verification', result.findings, [
    ['Project', prefix],
    ['Interpreter', `Python ${result.interpreter}`],
    ['Lock', result.lock],
    ['Drift check (PH108)', result.drift],
  ]);
  if (exitCode !== 0) core.setFailed(`${errors} error finding(s) against the Phoreus Python Packaging Charter; see the annotations`);
}

async function buildMode(workspace: string): Promise<void> {
  const options: BuildOptions = {
    ...readCommonOptions(workspace),
    distro: input('distro') ?? 'el9',
    out: absolutePath(input('out') ?? join(process.env.RUNNER_TEMP ?? workspace, 'phoreus-rpm', 'out'), workspace),
    findLinks: parseList(input('find-links')),
    meta: parseBoolean('meta-package', input('meta-package'), false),
    ...optional('arch', input('arch')),
    ...optional('release', input('release')),
    ...optional('interpreterHome', input('interpreter-home')),
    ...optional('interpreterModule', input('interpreter-module')),
    ...optional('publishedRepo', input('published-repo')),
    ...optional('refName', process.env.GITHUB_REF_TYPE === 'tag' ? process.env.GITHUB_REF_NAME : undefined),
  };
  if (parseBoolean('cache', input('cache'), true) && cache.isFeatureAvailable()) options.store = new WheelhouseCache(actionLog);
  if (await resolveSmokeTest(parseBoolean('smoke-test', input('smoke-test'), false), false, actionLog)) {
    options.smokeTest = optional('command', input('smoke-command'));
  }
  const all = parseBoolean('all', input('all'), false) ? await runBuildAll(options, actionLog) : undefined;
  const runs = all?.runs ?? [await runBuild(options, actionLog)];
  const { report, exitCode } = all ?? runs[0] ?? { report: '', exitCode: 1 };
  const findings = runs.flatMap((r) => r.result.findings);
  for (const secret of runs.flatMap((r) => r.result.secrets)) core.setSecret(secret);
  const prefix = relative(workspace, options.project) || '.';
  for (const r of runs) core.info(r.text.trimEnd());
  annotate(findings, prefix);
  core.setOutput('report', report);
  const sarif = input('sarif');
  if (sarif) {
    writeOutput(absolutePath(sarif, workspace), renderSarif(findings, prefix));
    core.setOutput('sarif', absolutePath(sarif, workspace));
  }
  const last = runs[runs.length - 1]?.result;
  if (last?.artifacts) {
    core.setOutput('rpm', last.artifacts.rpm);
    core.setOutput('srpm', last.artifacts.srpm);
    core.setOutput('modulefile', last.artifacts.modulefile);
    if (last.artifacts.metaRpm) core.setOutput('meta-rpm', last.artifacts.metaRpm);
  }
  const { errors, warnings } = countBySeverity(findings);
  core.setOutput('findings-errors', String(errors));
  core.setOutput('findings-warnings', String(warnings));

  // Nothing is uploaded unless every build and its audit passed.
  if (exitCode === 0 && parseBoolean('upload', input('upload'), true)) {
    const ids = await core.group('Upload the artifacts', async () => {
      const uploaded: Array<Record<string, unknown>> = [];
      for (const r of runs) {
        const { result: b, report: own } = r;
        if (!b.artifacts || !b.identity) continue;
        uploaded.push({ interpreter: b.interpreter, distro: b.distro, ...(await uploadBuild(b.artifacts, own, { tool: b.identity.tool, version: b.identity.version, interpreter: b.interpreter, distro: b.distro, arch: b.arch }, actionLog)) });
      }
      return uploaded;
    });
    core.setOutput('artifact-ids', JSON.stringify(runs.length === 1 ? ids[0] ?? {} : ids));
  }

  for (const { result: b } of runs) {
    const id = b.identity;
    const rpmSize = b.artifacts ? statSync(b.artifacts.rpm).size : 0;
    await writeSummary(`Phoreus RPM build: Python ${b.interpreter}, ${b.distro}`, b.findings, [
      ['Package', id ? `phoreus-${id.tool}-${id.version}-${id.release}` : '(not built)'],
      ['Interpreter', `Python ${b.interpreter}`],
      ['Distro / arch', `${b.distro} / ${b.arch}`],
      ['RPM size', b.artifacts ? `${(rpmSize / 1048576).toFixed(1)} MiB` : '-'],
      ['Files', b.payload ? `${b.payload.files} (${(b.payload.bytes / 1048576).toFixed(1)} MiB installed)` : '-'],
      ['Wheels', `${b.wheels}${b.wheelhouseFromCache ? ' (from the cache)' : ''}`],
      ...(b.skipped.length ? [['Skipped', b.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')] as [string, string]] : []),
      ...Object.entries(b.timings).map(([phase, seconds]): [string, string] => [phase, `${seconds.toFixed(1)} s`]),
    ]);
  }
  const failure = runs.find((r) => r.exitCode !== 0)?.result.failure;
  if (exitCode !== 0) core.setFailed(`the build stopped: ${failure ?? `${errors} error finding(s)`}`);
}

function writeOutput(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

async function auditMode(workspace: string): Promise<void> {
  const rpm = input('rpm');
  if (!rpm) throw new UsageError('mode audit needs the rpm input: the path of a binary RPM');
  const smoke = parseBoolean('smoke-test', input('smoke-test'), false);
  const { result, exitCode } = await runAudit({
    rpm: absolutePath(rpm, workspace),
    distro: input('distro') ?? 'el9',
    ...optional('interpreter', parseInterpreter(input('interpreter'))),
    ...optional('modulefile', input('modulefile') && absolutePath(input('modulefile') ?? '', workspace)),
    ...optional('interpreterHome', input('interpreter-home')),
    ...optional('interpreterModule', input('interpreter-module')),
    ...((await resolveSmokeTest(smoke, false, actionLog)) ? { smokeTest: { ...optional('command', input('smoke-command')), ...optional('python', input('python')) } } : {}),
  }, actionLog);
  core.info(renderAudit('text', result).trimEnd());
  annotate(result.findings, '.');
  const reportPath = join(process.env.RUNNER_TEMP ?? workspace, 'phoreus-rpm', 'audit-report.json');
  writeOutput(reportPath, renderAudit('json', result));
  core.setOutput('report', reportPath);
  const sarif = input('sarif');
  if (sarif) {
    writeOutput(absolutePath(sarif, workspace), renderAudit('sarif', result));
    core.setOutput('sarif', absolutePath(sarif, workspace));
  }
  const { errors, warnings } = countBySeverity(result.findings);
  core.setOutput('findings-errors', String(errors));
  core.setOutput('findings-warnings', String(warnings));
  await writeSummary('Phoreus RPM audit', result.findings, [
    ['RPM', result.name],
    ['Interpreter', `Python ${result.interpreter}`],
    ['Payload', `${result.files} entries, ${(result.bytes / 1048576).toFixed(1)} MiB`],
    ['Audit time', `${result.seconds.toFixed(2)} s`],
  ]);
  if (exitCode !== 0) core.setFailed(`${errors} error finding(s) against the Phoreus Python Packaging Charter in ${result.name}`);
}

async function matrixMode(workspace: string): Promise<void> {
  const project = absolutePath(input('project') ?? '.', workspace);
  const config = input('config');
  const matrix = renderMatrix(matrixFor(project, config && absolutePath(config, workspace)));
  core.info(matrix);
  core.setOutput('matrix', matrix);
}

const MODES: Record<string, (workspace: string) => Promise<void>> = { verify: verifyMode, build: buildMode, audit: auditMode, matrix: matrixMode };

async function main(): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const mode = input('mode') ?? 'verify';
  const run = MODES[mode];
  if (!run) throw new UsageError(`mode "${mode}" is not one of ${Object.keys(MODES).join(', ')}`);
  await run(workspace);
}

main().catch((error: unknown) => {
  const message = error instanceof UsageError ? error.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
  core.setFailed(redactUrls(message.split('\n')[0] ?? ''));
  process.exitCode = 2;
});
