/** Mode build: the RPM, SRPM and modulefile, audited, uploaded as artifacts, the wheelhouse cached. */
import { statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as cache from '@actions/cache';
import * as core from '@actions/core';
import { outward } from '../core/outward.js';
import { resolveSmokeTest } from '../commands/audit-command.js';
import { runBuild, runBuildAll, type BuildRun } from '../commands/build-command.js';
import { packageName } from '../core/layout.js';
import type { BuildResult } from '../pipeline/build.js';
import { describeSourceBuild } from '../pipeline/in-force.js';
import type { BuildArtifacts } from '../rpm/package.js';
import type { BuildServices } from '../pipeline/steps.js';
import { optional, parseBoolean, parseList, type BuildOptions } from '../inputs/options.js';
import { uploadBuild, artifactFileName, reportArtifactName } from '../publish/artifacts.js';
import { WheelhouseCache } from '../publish/wheelhouse-cache.js';
import { renderSarif } from '../report/formats.js';
import { annotate, writeSummary } from '../report/github.js';
import { actionLog, findingOutputs, input, maskSecrets, outputPath, readCommonOptions, readSigning } from './common.js';
import { subjectLines, type Subject } from '../publish/subjects.js';

function readBuildOptions(workspace: string): BuildOptions {
  return {
    ...readCommonOptions(workspace),
    distro: input('distro') ?? 'el9',
    out: outputPath('out', input('out') ?? join(process.env.RUNNER_TEMP ?? workspace, 'phoreus-rpm', 'out'), workspace),
    findLinks: parseList(input('find-links')),
    meta: parseBoolean('meta-package', input('meta-package'), false),
    // The configuration in force is logged when the run has debug logging on (ACTIONS_STEP_DEBUG).
    verbose: core.isDebug(),
    ...optional('arch', input('arch')),
    ...optional('release', input('release')),
    ...optional('interpreterHome', input('interpreter-home')),
    ...optional('interpreterModule', input('interpreter-module')),
    ...optional('publishedRepo', input('published-repo')),
    ...optional('refName', process.env.GITHUB_REF_TYPE === 'tag' ? process.env.GITHUB_REF_NAME : undefined),
    ...optional('signing', readSigning()),
  };
}

export async function buildMode(workspace: string): Promise<void> {
  const options = readBuildOptions(workspace);
  const services: BuildServices = parseBoolean('cache', input('cache'), true) && cache.isFeatureAvailable() ? { store: new WheelhouseCache(actionLog) } : {};
  if (await resolveSmokeTest(parseBoolean('smoke-test', input('smoke-test'), false), false, actionLog)) {
    options.smokeTest = optional('command', input('smoke-command'));
  }
  const all = parseBoolean('all', input('all'), false) ? await runBuildAll(options, actionLog, services) : undefined;
  const runs = all?.runs ?? [await runBuild(options, actionLog, services)];
  const { report, exitCode } = all ?? runs[0] ?? { report: '', exitCode: 1 };
  const findings = runs.flatMap((r) => r.result.findings);
  maskSecrets(runs.flatMap((r) => r.result.secrets));
  const prefix = relative(workspace, options.project) || '.';
  for (const r of runs) actionLog.info(r.text.trimEnd());
  annotate(findings, prefix);
  core.setOutput('report', report);
  const last = runs[runs.length - 1]?.result;
  if (last?.artifacts) setArtifactOutputs(last.artifacts);
  if (exitCode === 0) core.setOutput('subjects', await subjectLines(runs.flatMap(subjectsOf)));
  const packagedTool = last?.identity ? { name: last.identity.tool, version: last.identity.version } : undefined;
  const { errors } = findingOutputs(findings, workspace, () => renderSarif(findings, prefix, packagedTool));

  // Nothing is uploaded unless every build and its audit passed.
  if (exitCode === 0 && parseBoolean('upload', input('upload'), true)) await uploadAll(runs);
  for (const { result } of runs) await writeSummary(`Phoreus RPM build: Python ${result.interpreter}, ${result.distro}`, result.findings, summaryRows(result));
  const failure = runs.find((r) => r.exitCode !== 0)?.result.failure;
  if (exitCode !== 0) core.setFailed(outward(`the build stopped: ${failure ?? `${errors} error finding(s)`}`));
}

function setArtifactOutputs(artifacts: BuildArtifacts): void {
  core.setOutput('rpm', artifacts.rpm);
  core.setOutput('srpm', artifacts.srpm);
  core.setOutput('modulefile', artifacts.modulefile);
  if (artifacts.metaRpm) core.setOutput('meta-rpm', artifacts.metaRpm);
  core.setOutput('sbom', artifacts.sbom);
}

/** Each build's artifacts, uploaded; their ids as the artifact-ids output. */
async function uploadAll(runs: readonly BuildRun[]): Promise<void> {
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

/** The job summary's table of one build. */
function summaryRows(b: BuildResult): Array<[string, string]> {
  const id = b.identity;
  const rpmSize = b.artifacts ? statSync(b.artifacts.rpm).size : 0;
  return [
    ['Package', id ? `${packageName(id)}-${id.release}` : '(not built)'],
    ['Interpreter', `Python ${b.interpreter}`],
    ['Distro / arch', `${b.distro} / ${b.arch}`],
    ['RPM size', b.artifacts ? `${(rpmSize / 1048576).toFixed(1)} MiB` : '-'],
    ['Files', b.payload ? `${b.payload.files} (${(b.payload.bytes / 1048576).toFixed(1)} MiB installed)` : '-'],
    ['Wheels', `${b.wheels}${b.wheelhouseFromCache ? ' (from the cache)' : ''}`],
    ...(b.skipped.length ? [['Skipped', b.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')] as [string, string]] : []),
    ...(b.smokeTest?.command ? [['Smoke test', `${b.smokeTest.passed ? 'passed' : 'failed'}: ${b.smokeTest.what ?? ''}: ${b.smokeTest.command}`] as [string, string]] : []),
    ...(b.sourceBuilds.length ? [['Built from sdists', b.sourceBuilds.map(describeSourceBuild).join('; ')] as [string, string]] : []),
    ...Object.entries(b.timings).map(([phase, seconds]): [string, string] => [phase, `${seconds.toFixed(1)} s`]),
  ];
}

/** Every file a build produced, by the name its artifact gives it: the provenance subjects. */
function subjectsOf({ result: b, report }: BuildRun): Subject[] {
  if (!b.artifacts || !b.identity) return [];
  const { rpm, metaRpm, srpm, modulefile, sbom } = b.artifacts;
  const named = (path: string): Subject => ({ path, name: artifactFileName(path, b.interpreter, b.distro) });
  const pair = { tool: b.identity.tool, version: b.identity.version, interpreter: b.interpreter, distro: b.distro, arch: b.arch };
  return [named(rpm), ...(metaRpm ? [named(metaRpm)] : []), named(srpm), named(modulefile), named(sbom), { path: report, name: `${reportArtifactName(pair)}/build-report.json` }];
}
