/** Mode publish: RPMs added to a repository that only grows, repomd.xml signed with the release key. */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import * as core from '@actions/core';
import { renderPublish, runPublish } from '../commands/publish-command.js';
import { absolutePath, parseList } from '../inputs/options.js';
import { UsageError } from '../core/errors.js';
import { subjectLines } from '../publish/subjects.js';
import { annotate, writeSummary } from '../report/github.js';
import { outward } from '../core/outward.js';
import { actionLog, findingOutputs, input, outputPath, readSigning, writeOutput } from './common.js';

/** The rpms input: paths, one per line, relative to the workspace; a "*" in the file name matches as in a shell. */
export function expandRpms(value: string | undefined, workspace: string): string[] {
  return parseList(value).flatMap((entry) => {
    const path = absolutePath(entry, workspace);
    if (!basename(path).includes('*')) return [path];
    const pattern = new RegExp(`^${basename(path).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const dir = dirname(path);
    const found = existsSync(dir) ? readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => join(dir, f)) : [];
    if (found.length === 0) throw new UsageError(`the rpms input's ${entry} matches no file`);
    return found;
  });
}

export async function publishMode(workspace: string): Promise<void> {
  const signing = readSigning();
  const repoInput = input('repo');
  if (!repoInput) throw new UsageError('mode publish needs the repo input: the directory of the yum/dnf repository, inside the workspace');
  const repo = outputPath('repo', repoInput, workspace);
  const rpms = expandRpms(input('rpms'), workspace);
  if (rpms.length === 0) throw new UsageError('mode publish needs the rpms input: the RPMs to publish, one per line');
  const { result, exitCode } = await runPublish(repo, rpms, signing, actionLog);
  actionLog.info(renderPublish('text', result).trimEnd());
  const prefix = relative(workspace, repo) || '.';
  annotate(result.findings, '.');
  const reportPath = join(process.env.RUNNER_TEMP ?? workspace, 'phoreus-rpm', 'publish-report.json');
  writeOutput(reportPath, renderPublish('json', result));
  core.setOutput('report', reportPath);
  const { errors } = findingOutputs(result.findings, workspace, () => renderPublish('sarif', result));
  if (exitCode === 0) {
    const produced = [...result.added, 'repodata/repomd.xml', ...(result.signed ? ['repodata/repomd.xml.asc'] : [])];
    core.setOutput('subjects', await subjectLines(produced.filter((f) => result.added.length > 0 || !f.startsWith('repodata/')).map((f) => ({ path: join(repo, f), name: `${prefix}/${f}` }))));
  }
  await writeSummary('Phoreus RPM publish', result.findings, [
    ['Repository', prefix],
    ['Added', result.added.join(', ') || '-'],
    ...(result.leftOut.length ? [['Left out', result.leftOut.map((l) => `${basename(l.file)}: ${l.reason}`).join('; ')] as [string, string]] : []),
    ['Packages', String(result.packages)],
    ['repomd.xml signed', result.signed ? 'yes' : 'no'],
  ]);
  if (exitCode !== 0) core.setFailed(outward(`${errors} error finding(s): nothing was published to ${prefix}`));
}
