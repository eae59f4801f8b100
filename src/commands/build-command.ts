/** `build`: the RPM, SRPM, modulefile and JSON report, shared by the CLI and the action. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildResult } from '../build/build.js';
import { packageName } from '../build/layout.js';
import { countBySeverity } from '../checks/finding.js';
import type { BuildOptions } from '../inputs/options.js';
import { renderJson, renderText, type ReportSubject } from '../report/formats.js';
import type { Log } from '../report/log.js';

export function buildSubject(result: BuildResult, project: string): ReportSubject {
  return {
    mode: 'build',
    project,
    interpreter: result.interpreter,
    distro: result.distro,
    arch: result.arch,
    ok: result.ok,
    ...(result.failure ? { failure: result.failure } : {}),
    ...(result.identity ? { package: packageName(result.identity), toolName: result.identity.tool, toolVersion: result.identity.version, release: result.identity.release } : {}),
    ...(result.artifacts ? { artifacts: result.artifacts } : {}),
    wheels: result.wheels,
    wheelhouseFromCache: result.wheelhouseFromCache,
    timings: result.timings,
    config: result.config,
  };
}

export async function runBuild(options: BuildOptions, log: Log): Promise<{ result: BuildResult; report: string; text: string; exitCode: number }> {
  const result = await build(options, log);
  const subject = buildSubject(result, options.project);
  mkdirSync(options.out, { recursive: true });
  const report = join(options.out, 'build-report.json');
  writeFileSync(report, renderJson(subject, result.findings));
  const lines = [renderText(subject, result.findings).trimEnd()];
  if (result.artifacts) {
    lines.push(`rpm: ${result.artifacts.rpm}`, `srpm: ${result.artifacts.srpm}`, `modulefile: ${result.artifacts.modulefile}`);
    if (result.artifacts.metaRpm) lines.push(`meta rpm: ${result.artifacts.metaRpm}`);
  } else {
    lines.push(`build stopped: ${result.failure ?? 'see the findings'}`);
  }
  lines.push(`report: ${report}`);
  const failed = !result.ok || countBySeverity(result.findings).errors > 0;
  return { result, report, text: `${lines.join('\n')}\n`, exitCode: failed ? 1 : 0 };
}
