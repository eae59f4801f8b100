/** `audit`: the charter's rules on a binary RPM, shared by the CLI, the action and the build. */
import { setFlagsFromString } from 'node:v8';
import { audit, type AuditOptions, type AuditResult } from '../audit/audit.js';
import { findingsExitStatus, UsageError } from '../core/errors.js';
import type { Waiver } from '../core/waivers.js';
import { effectiveConfig } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import type { OutputFormat } from '../inputs/options.js';
import { renderJson, renderSarif, renderText, type ReportSubject } from '../report/formats.js';
import type { Log } from '../core/log.js';
import { provideSmokeTestTools, smokeTestUnavailable, type SmokeTestRun } from '../audit/smoke-test.js';
import { outward } from '../core/outward.js';
import { requireTools } from '../tools/system.js';

export function auditSubject(result: AuditResult): ReportSubject {
  return {
    mode: 'audit',
    project: result.rpm,
    interpreter: result.interpreter,
    package: result.name,
    ...(result.tool ? { packagedTool: { name: result.tool, ...(result.version ? { version: result.version } : {}) } } : {}),
    files: result.files,
    bytes: result.bytes,
    seconds: Number(result.seconds.toFixed(3)),
    ...(result.smokeTest ? { smokeTest: result.smokeTest } : {}),
    ...(result.smokeSkipped ? { smokeSkipped: result.smokeSkipped } : {}),
  };
}

/** What the smoke test ran, in a line of the text report. */
export function smokeTestLine(ran: SmokeTestRun | undefined, skipped: string | undefined): string | undefined {
  if (ran?.command) return `smoke test ${ran.passed ? 'passed' : 'failed'}: ${ran.what ?? 'the command'}: ${ran.command}`;
  return skipped ? `smoke test not run: ${skipped}` : undefined;
}

export function renderAudit(format: OutputFormat, result: AuditResult): string {
  if (format === 'json') return renderJson(auditSubject(result), result.findings);
  if (format === 'sarif') return renderSarif(result.findings, '', auditSubject(result).packagedTool);
  const line = smokeTestLine(result.smokeTest, result.smokeSkipped);
  return renderText(auditSubject(result), result.findings) + (line ? outward(`${line}\n`) : '');
}

/**
 * Whether to smoke-test: asked for (true/false), or by default when the machine can
 * (root or passwordless sudo, unshare, Lmod) and the default is on.
 */
export async function resolveSmokeTest(asked: boolean | undefined, defaultOn: boolean, log: Log): Promise<boolean> {
  if (asked === false) return false;
  if (asked === true && (await smokeTestUnavailable())) await provideSmokeTestTools(log);
  const unavailable = await smokeTestUnavailable();
  if (asked === true && unavailable) throw new UsageError(`the smoke test cannot run here: ${unavailable}`);
  if (unavailable) {
    if (defaultOn) log.info(`No smoke test: ${unavailable}`);
    return false;
  }
  return asked === true || defaultOn;
}

/**
 * The waivers of the configuration (`config`, else phoreus.yaml in `project`) for the
 * interpreter the audit settles on, so an audit of a built RPM gives the build's verdict. A
 * configuration with an error is refused with its first, as the build would refuse it.
 */
export function configuredWaivers(project: string, config?: string): ((interpreter: string) => readonly Waiver[]) | undefined {
  const loaded = loadConfig(project, config);
  if (!loaded) return undefined;
  const [wrong] = loaded.findings;
  if (wrong) throw new UsageError(`${wrong.file}:${wrong.line}: ${wrong.message}`);
  return (interpreter) => effectiveConfig(loaded, interpreter).waivers;
}

/**
 * Node 20's V8 (without Maglev) optimizes hot code with TurboFan on background threads, which
 * on a two-core machine take the core the payload's decompressor needs, for code an audit does
 * not run long enough to repay; a newer V8's Maglev costs little, and is left as it is.
 */
function spareTheDecompressor(): void {
  if (Number(process.versions.v8.split('.')[0]) < 12) setFlagsFromString('--no-turbofan');
}

export async function runAudit(options: AuditOptions, log: Log): Promise<{ result: AuditResult; exitCode: number }> {
  spareTheDecompressor();
  await requireTools(['rpm', 'rpm2cpio'], log);
  const result = await audit(options, log);
  return { result, exitCode: findingsExitStatus(result.findings) };
}
