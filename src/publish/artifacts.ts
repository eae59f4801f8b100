/**
 * Uploads what a build made with @actions/artifact: the RPM, the SRPM, the modulefile and the
 * SBOM each as its own unzipped artifact, the JSON report zipped; names say tool, version, interpreter,
 * distro and arch, so the jobs of a matrix never collide.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import type { BuildArtifacts } from '../rpm/package.js';
import type { Log } from '../core/log.js';

export interface UploadedArtifacts {
  rpm?: number;
  metaRpm?: number;
  srpm?: number;
  modulefile?: number;
  sbom?: number;
  report?: number;
}

/** File names for upload: the pair (interpreter, distro) is written in, before the suffix. Pure. */
export function artifactFileName(file: string, interpreter: string, distro: string): string {
  const name = basename(file);
  const suffix = /\.(src\.rpm|rpm|cdx\.json)$/.exec(name)?.[0] ?? /\.[^.]+$/.exec(name)?.[0] ?? '';
  const stem = name.slice(0, name.length - suffix.length);
  // The RPM's own name already holds %{dist} and the arch; the modulefile's does not.
  const pair = suffix === '.lua' ? `py${interpreter}.${distro}` : `py${interpreter}`;
  return `${stem}.${pair}${suffix}`;
}

/** The zipped artifact that holds build-report.json. Pure. */
export function reportArtifactName(pair: { tool: string; version: string; interpreter: string; distro: string; arch: string }): string {
  return `phoreus-${pair.tool}-${pair.version}-py${pair.interpreter}-${pair.distro}-${pair.arch}-report`;
}

export async function uploadBuild(
  artifacts: BuildArtifacts,
  report: string,
  pair: { tool: string; version: string; interpreter: string; distro: string; arch: string },
  log: Log,
): Promise<UploadedArtifacts> {
  const client = new DefaultArtifactClient();
  // The copies under their upload names exist only for the upload.
  const stage = mkdtempSync(join(tmpdir(), 'phoreus-upload-'));
  try {
    const single = async (file: string): Promise<number | undefined> => {
      const named = join(stage, artifactFileName(file, pair.interpreter, pair.distro));
      copyFileSync(file, named);
      const { id, size } = await client.uploadArtifact(basename(named), [named], stage, { skipArchive: true });
      log.info(`uploaded ${basename(named)} (${size ?? 0} bytes) as artifact ${id}`);
      return id;
    };
    const uploaded: UploadedArtifacts = {};
    uploaded.rpm = await single(artifacts.rpm);
    if (artifacts.metaRpm) uploaded.metaRpm = await single(artifacts.metaRpm);
    uploaded.srpm = await single(artifacts.srpm);
    uploaded.modulefile = await single(artifacts.modulefile);
    uploaded.sbom = await single(artifacts.sbom);
    const reportName = reportArtifactName(pair);
    mkdirSync(join(stage, 'report'), { recursive: true });
    const reportCopy = join(stage, 'report', 'build-report.json');
    copyFileSync(report, reportCopy);
    uploaded.report = (await client.uploadArtifact(reportName, [reportCopy], dirname(reportCopy))).id;
    return uploaded;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
