/** `verify`: the lockfile check as a report, shared by the CLI and the action. */
import { findingsExitStatus } from '../core/errors.js';
import { verify, type VerifyResult } from '../checks/verify.js';
import type { OutputFormat, VerifyOptions } from '../inputs/options.js';
import { renderJson, renderSarif, renderText, type ReportSubject } from '../report/formats.js';
import type { Log } from '../core/log.js';

export function verifySubject(result: VerifyResult): ReportSubject {
  return {
    mode: 'verify',
    project: result.project,
    interpreter: result.interpreter,
    requirements: result.requirements,
    lock: result.lock,
    ...(result.config ? { config: result.config } : {}),
    ...(result.tool ? { packagedTool: { name: result.tool, ...(result.version ? { version: result.version } : {}) } } : {}),
    drift: result.drift,
  };
}

export function render(format: OutputFormat, result: VerifyResult, uriPrefix: string): string {
  if (format === 'json') return renderJson(verifySubject(result), result.findings);
  if (format === 'sarif') return renderSarif(result.findings, uriPrefix, verifySubject(result).packagedTool);
  return renderText(verifySubject(result), result.findings);
}

export async function runVerify(options: VerifyOptions, log: Log): Promise<{ result: VerifyResult; exitCode: number }> {
  const result = await verify(options, log);
  return { result, exitCode: findingsExitStatus(result.findings) };
}
