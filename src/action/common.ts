/** Reading the action's inputs, and what every mode writes back to the runner. */
import { resolve, sep } from 'node:path';
import { UsageError } from '../core/errors.js';
import { inertForRunner, outward, shown } from '../core/outward.js';
import type { Log } from '../core/log.js';
import { writeWhole } from '../core/files.js';
import * as core from '@actions/core';
import { countBySeverity, type Finding } from '../core/finding.js';
import { absolutePath, optional, parseInterpreter, parseList, type SigningKey, type VerifyOptions } from '../inputs/options.js';
import { literalCredentials, registerSecrets } from '../core/redact.js';
import { signingSecrets } from '../tools/gpg.js';

/** On a runner: info lines go to stdout raw, so their workflow commands are made inert; warnings are escaped by the toolkit. */
export const actionLog: Log = {
  info: (message) => core.info(inertForRunner(outward(message))),
  warning: (message) => core.warning(outward(message)),
  group: (name, body) => core.group(outward(name), body),
};

export function input(name: string): string | undefined {
  const value = core.getInput(name);
  return value === '' ? undefined : value;
}

export function readCommonOptions(workspace: string): VerifyOptions {
  const indexUrl = input('index-url');
  const extraIndexUrls = parseList(input('extra-index-url'));
  // Mask credentials before anything can log them.
  maskSecrets([indexUrl ?? '', ...extraIndexUrls, input('published-repo') ?? ''].flatMap(literalCredentials));
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

/**
 * The signing-key and signing-passphrase inputs, masked (the key line by line, as the runner
 * masks) before anything else can print them.
 */
export function readSigning(): SigningKey | undefined {
  const key = input('signing-key');
  const passphrase = input('signing-passphrase');
  maskSecrets(signingSecrets(key ?? '', passphrase));
  // No child process (a build backend, an sdist's setup.py, rpmbuild) inherits them.
  delete process.env['INPUT_SIGNING-KEY'];
  delete process.env['INPUT_SIGNING-PASSPHRASE'];
  if (!key) {
    if (passphrase) throw new UsageError('the signing-passphrase input is set but signing-key is not: give the ASCII-armoured secret key (from a secret) in signing-key');
    return undefined;
  }
  return { key, source: 'the signing-key input', ...(passphrase ? { passphrase } : {}) };
}

/** Secrets masked by the runner in its log and by this process in everything it writes. */
export function maskSecrets(secrets: readonly string[]): void {
  for (const secret of secrets) core.setSecret(secret);
  registerSecrets(secrets);
}

export function writeOutput(path: string, content: string): void {
  writeWhole(path, content);
}

/**
 * A path an input names for the action to write to: inside the workspace or the runner's
 * temporary directory, never elsewhere on the runner, whatever the input says.
 */
export function outputPath(name: string, value: string, workspace: string): string {
  const path = absolutePath(value, workspace);
  const roots = [workspace, process.env.RUNNER_TEMP].filter((r): r is string => Boolean(r)).map((r) => resolve(r));
  if (!roots.some((root) => path === root || path.startsWith(`${root}${sep}`))) {
    throw new UsageError(`the ${name} input (${shown(value)}) is outside the workspace and the runner's temporary directory; give a path inside the workspace`);
  }
  return path;
}

/** The outputs every mode sets from its findings, and the SARIF file when the sarif input asks for one. */
export function findingOutputs(findings: readonly Finding[], workspace: string, sarif: () => string): { errors: number; warnings: number } {
  const asked = input('sarif');
  if (asked) {
    const path = outputPath('sarif', asked, workspace);
    writeOutput(path, sarif());
    core.setOutput('sarif', path);
  }
  const { errors, warnings } = countBySeverity(findings);
  core.setOutput('findings-errors', String(errors));
  core.setOutput('findings-warnings', String(warnings));
  return { errors, warnings };
}
