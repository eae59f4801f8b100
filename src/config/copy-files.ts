/**
 * copyFiles: files of the project copied into the venv, `{site-packages}` resolved for the
 * interpreter. `from` must stay inside the project and `to` inside the venv: `..`, absolute
 * paths and symlinks are refused, each at its line of phoreus.yaml.
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { finding, type Finding } from '../core/finding.js';
import type { CopyFile, LoadedConfig } from './config.js';

/** A relative path that stays below its root, normalized; undefined when it escapes. */
export function confined(path: string): string | undefined {
  if (path === '' || posix.isAbsolute(path) || path.includes('\\')) return undefined;
  const normal = posix.normalize(path);
  if (normal === '..' || normal.startsWith('../')) return undefined;
  return normal === '.' ? '' : normal.replace(/\/$/, '');
}

/** The venv-relative destination, with {site-packages} expanded; undefined when it escapes the venv. */
export function copyDestination(to: string, interpreter: string): string | undefined {
  return confined(to.split('{site-packages}').join(`lib/python${interpreter}/site-packages`));
}

/** The first symlink on the way to `rel` inside `root`, or inside the tree below it. */
export function symlinkIn(root: string, rel: string): string | undefined {
  let path = root;
  for (const part of rel.split('/').filter(Boolean)) {
    path = join(path, part);
    if (isSymlink(path)) return path;
  }
  const walk = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isSymbolicLink()) return full;
      if (entry.isDirectory()) {
        const found = walk(full);
        if (found) return found;
      }
    }
    return undefined;
  };
  return existsSync(path) && lstatSync(path).isDirectory() ? walk(path) : undefined;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Every copyFiles entry of the file (shared and per interpreter), with its key path for lines. */
function entries(raw: Record<string, unknown>): Array<{ key: string; entry: CopyFile }> {
  const out: Array<{ key: string; entry: CopyFile }> = [];
  const fromPackages = (packages: unknown, prefix: string): void => {
    const specific = (packages as { platformSpecific?: Record<string, { copyFiles?: CopyFile[] }> } | undefined)?.platformSpecific ?? {};
    for (const [platform, settings] of Object.entries(specific)) {
      (settings?.copyFiles ?? []).forEach((entry, i) => out.push({ key: `${prefix}packages.platformSpecific.${platform}.copyFiles[${i}]`, entry }));
    }
  };
  fromPackages(raw.packages, '');
  for (const [interpreter, override] of Object.entries((raw.interpreters as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    fromPackages(override?.packages, `interpreters.${interpreter}.`);
  }
  return out;
}

/** PH113 for copyFiles entries that leave the project or the venv, or whose source is missing or a symlink. */
export function checkCopyFiles(loaded: LoadedConfig, project: string): Finding[] {
  const findings: Finding[] = [];
  for (const { key, entry } of entries(loaded.raw)) {
    const line = (field: string): number => loaded.index.get(`${key}.${field}`) ?? loaded.index.get(key) ?? 1;
    const from = confined(entry.from);
    if (from === undefined) {
      findings.push(finding('PH113', loaded.file, line('from'), `${key}.from: "${entry.from}" leaves the project; give a path relative to the project directory, without ".."`));
    } else if (!existsSync(join(project, from))) {
      findings.push(finding('PH113', loaded.file, line('from'), `${key}.from: "${entry.from}" does not exist in the project`));
    } else {
      const link = symlinkIn(project, from);
      if (link) findings.push(finding('PH113', loaded.file, line('from'), `${key}.from: "${entry.from}" holds the symlink ${posix.relative(project, link)}, which could point anywhere; copy real files only`));
    }
    if (copyDestination(entry.to, '3.11') === undefined) {
      findings.push(finding('PH113', loaded.file, line('to'), `${key}.to: "${entry.to}" leaves the venv; give a path relative to the venv (bin/, {site-packages}/ …), without ".."`));
    }
  }
  return findings;
}
