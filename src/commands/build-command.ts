/** `build`: the RPM, SRPM, modulefile and JSON report, shared by the CLI and the action. */
import { mkdirSync } from 'node:fs';
import { writeWhole } from '../core/files.js';
import { join } from 'node:path';
import { build, type BuildResult } from '../pipeline/build.js';
import { describeSourceBuild } from '../pipeline/in-force.js';
import type { BuildServices } from '../pipeline/steps.js';
import { packageName } from '../core/layout.js';
import { findingsExitStatus, UsageError } from '../core/errors.js';
import type { BuildOptions } from '../inputs/options.js';
import { GENERATOR, renderJson, renderText, type ReportSubject } from '../report/formats.js';
import type { Log } from '../core/log.js';
import { outward } from '../core/outward.js';
import { pairDirectory } from '../plan/matrix.js';
import { assertProjectDir } from '../plan/project.js';
import { smokeTestLine } from './audit-command.js';
import { matrixFor } from './matrix-command.js';

export function buildSubject(result: BuildResult, project: string): ReportSubject {
  return {
    mode: 'build',
    project,
    interpreter: result.interpreter,
    distro: result.distro,
    arch: result.arch,
    ok: result.ok,
    ...(result.failure ? { failure: result.failure } : {}),
    ...(result.identity ? { package: packageName(result.identity), packagedTool: { name: result.identity.tool, version: result.identity.version }, release: result.identity.release } : {}),
    ...(result.artifacts ? { artifacts: result.artifacts } : {}),
    wheels: result.wheels,
    ...(result.payload ? { payload: result.payload } : {}),
    wheelhouseFromCache: result.wheelhouseFromCache,
    skipped: result.skipped,
    sourceBuilds: result.sourceBuilds,
    ...(result.smokeTest ? { smokeTest: result.smokeTest } : {}),
    timings: result.timings,
    config: result.config,
  };
}

export interface BuildRun {
  result: BuildResult;
  report: string;
  text: string;
  exitCode: number;
}

export async function runBuild(options: BuildOptions, log: Log, services: BuildServices = {}): Promise<BuildRun> {
  // A wrong project is one line, said before any progress is.
  assertProjectDir(options.project);
  const result = await build(options, log, services);
  const subject = buildSubject(result, options.project);
  mkdirSync(options.out, { recursive: true });
  const report = join(options.out, 'build-report.json');
  writeWhole(report, renderJson(subject, result.findings));
  const lines = [renderText(subject, result.findings).trimEnd()];
  for (const b of result.sourceBuilds) lines.push(`built from its sdist: ${describeSourceBuild(b)}`);
  const smoke = smokeTestLine(result.smokeTest, undefined);
  if (smoke) lines.push(smoke);
  if (result.artifacts) {
    lines.push(`rpm: ${result.artifacts.rpm}`, `srpm: ${result.artifacts.srpm}`, `modulefile: ${result.artifacts.modulefile}`);
    if (result.artifacts.metaRpm) lines.push(`meta rpm: ${result.artifacts.metaRpm}`);
  } else {
    lines.push(`build stopped: ${result.failure ?? 'see the findings'}`);
  }
  lines.push(`report: ${report}`);
  return { result, report, text: outward(`${lines.join('\n')}\n`), exitCode: findingsExitStatus(result.findings, !result.ok) };
}

/**
 * `build --all`: every (interpreter, distro) pair of the configuration, one after another,
 * each into its own directory of the output directory (<distro>-py<X.Y>), so no two files
 * collide; a summary report beside them.
 */
export async function runBuildAll(options: BuildOptions, log: Log, services: BuildServices = {}): Promise<BuildRun & { runs: BuildRun[] }> {
  const runs: BuildRun[] = [];
  for (const entry of matrixFor(options.project, options.config)) {
    const run = await log.group(`Build for Python ${entry.interpreter} on ${entry.distro}`, () =>
      runBuild({ ...options, interpreter: entry.interpreter, distro: entry.distro, out: join(options.out, pairDirectory(entry)) }, log, services));
    runs.push(run);
  }
  const report = join(options.out, 'build-report.json');
  writeWhole(report, outward(`${JSON.stringify({ generator: GENERATOR, mode: 'build --all', project: options.project, builds: runs.map((r) => ({ report: r.report, ...buildSubject(r.result, options.project), findings: r.result.findings })) }, null, 2)}\n`));
  const failed = runs.filter((r) => r.exitCode !== 0);
  const text = `${runs.map((r) => r.text).join('\n')}\nbuilt ${runs.length - failed.length} of ${runs.length}; summary: ${report}\n`;
  const last = runs[runs.length - 1];
  if (!last) throw new UsageError('the configuration names no (interpreter, distro) pair to build');
  return { result: last.result, report, text, exitCode: Math.max(0, ...runs.map((r) => r.exitCode)), runs };
}
