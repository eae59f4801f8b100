/** Reading the action's inputs, and what every mode writes back to the runner. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as core from '@actions/core';
import { countBySeverity, type Finding } from '../checks/finding.js';
import { absolutePath, optional, parseInterpreter, parseList, type VerifyOptions } from '../inputs/options.js';
import { literalCredentials } from '../report/redact.js';

export function input(name: string): string | undefined {
  const value = core.getInput(name);
  return value === '' ? undefined : value;
}

export function readCommonOptions(workspace: string): VerifyOptions {
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

export function writeOutput(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** The outputs every mode sets from its findings, and the SARIF file when the sarif input asks for one. */
export function findingOutputs(findings: readonly Finding[], workspace: string, sarif: () => string): { errors: number; warnings: number } {
  const path = input('sarif');
  if (path) {
    writeOutput(absolutePath(path, workspace), sarif());
    core.setOutput('sarif', absolutePath(path, workspace));
  }
  const { errors, warnings } = countBySeverity(findings);
  core.setOutput('findings-errors', String(errors));
  core.setOutput('findings-warnings', String(warnings));
  return { errors, warnings };
}
