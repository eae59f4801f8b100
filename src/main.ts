/** The GitHub Action: reads its inputs, runs the chosen mode, and reports on the runner. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as core from '@actions/core';
import { countBySeverity } from './checks/finding.js';
import { render, runVerify, verifySubject } from './commands/verify-command.js';
import { absolutePath, optional, parseBoolean, parseInterpreter, parseList, type VerifyOptions } from './inputs/options.js';
import { UsageError } from './inputs/usage-error.js';
import { renderJson } from './report/formats.js';
import { annotate, writeSummary } from './report/github.js';
import { actionLog } from './report/log.js';
import { literalCredentials, redactUrls } from './report/redact.js';

function input(name: string): string | undefined {
  const value = core.getInput(name);
  return value === '' ? undefined : value;
}

function readVerifyOptions(workspace: string): VerifyOptions {
  const indexUrl = input('index-url');
  const extraIndexUrls = parseList(input('extra-index-url'));
  // Mask credentials before anything can log them.
  for (const url of [indexUrl ?? '', ...extraIndexUrls]) for (const secret of literalCredentials(url)) core.setSecret(secret);
  return {
    project: absolutePath(input('project') ?? '.', workspace),
    offline: parseBoolean('offline', input('offline'), false),
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
  const options = readVerifyOptions(workspace);
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

function writeOutput(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

const MODES: Record<string, (workspace: string) => Promise<void>> = { verify: verifyMode };

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
