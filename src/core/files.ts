/**
 * Files, safely: inputs read only from inside the project (no symlink out of it, no special
 * file, nothing huge), and outputs written whole or not at all — each goes to a temporary
 * name beside its target and is renamed into place, so a reader (or a refusal half-way)
 * never sees half a file.
 */
import { copyFileSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { UsageError } from './errors.js';
import { shown } from './outward.js';

/** Larger text inputs are refused rather than read: no requirements file is this big. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

/** Resolves a project-relative path, or undefined when it escapes the project. */
export function insideProject(project: string, relPath: string): string | undefined {
  if (isAbsolute(relPath)) return undefined;
  const full = normalize(join(project, relPath));
  const rel = relative(project, full);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return full;
}

/** True when `path` is `root` or below it (both already resolved). */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Reads a text file that must lie inside `root` once every symlink is resolved: a link in the
 * project to /proc/self/environ or ~/.ssh is refused, never read. Only regular files, and
 * none larger than any requirements or configuration file should be.
 */
export function readText(path: string, root: string): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new UsageError(`${path} cannot be read: it does not exist, or a symlink on its way is broken`);
  }
  if (!isWithin(realpathSync(root), real)) {
    throw new UsageError(`${path} leads outside ${root} (to ${shown(real)}): inputs are read from the project only; replace the symlink with the file itself`);
  }
  const stat = statSync(real);
  if (!stat.isFile()) throw new UsageError(`${path} is not a regular file`);
  if (stat.size > MAX_TEXT_BYTES) throw new UsageError(`${path} is ${stat.size} bytes, larger than any requirements or configuration file should be`);
  return readFileSync(real, 'utf8');
}

function viaTemporary(target: string, write: (temp: string) => void): void {
  mkdirSync(dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.partial`;
  try {
    write(temp);
    renameSync(temp, target);
  } finally {
    rmSync(temp, { force: true });
  }
}

export function writeWhole(target: string, content: string | Buffer): void {
  viaTemporary(target, (temp) => writeFileSync(temp, content));
}

export function copyWhole(source: string, target: string): void {
  viaTemporary(target, (temp) => copyFileSync(source, temp));
}
