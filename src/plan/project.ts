/** Reading the project: its files (confined to the project directory) and its own metadata. */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { UsageError } from '../inputs/usage-error.js';
import { shown } from '../inputs/values.js';

/** Larger text inputs are refused rather than read: no requirements file is this big. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

export function assertProjectDir(project: string): void {
  if (!existsSync(project) || !statSync(project).isDirectory()) {
    throw new UsageError(`project directory ${project} does not exist; pass --project with the directory holding requirements.in`);
  }
}

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

export interface ProjectMetadata {
  name?: { value: string; line: number };
  version?: { value: string; line: number };
}

/** [project] name and version from pyproject.toml, with their lines; empty when absent or unreadable. */
export function readPyproject(project: string): ProjectMetadata {
  const path = join(project, 'pyproject.toml');
  if (!existsSync(path)) return {};
  const text = readText(path, project);
  let parsed: Record<string, unknown>;
  try {
    parsed = parseToml(text) as Record<string, unknown>;
  } catch {
    return {};
  }
  const section = parsed.project as Record<string, unknown> | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  const start = lines.findIndex((l) => /^\s*\[project\]\s*(#.*)?$/.test(l));
  const lineOf = (key: string): number => {
    const at = lines.findIndex((l, i) => i > start && new RegExp(`^\\s*${key}\\s*=`).test(l));
    return at >= 0 ? at + 1 : Math.max(1, start + 1);
  };
  const meta: ProjectMetadata = {};
  if (typeof section?.name === 'string') meta.name = { value: section.name, line: lineOf('name') };
  if (typeof section?.version === 'string') meta.version = { value: section.version, line: lineOf('version') };
  return meta;
}

const SKIPPED_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '.venv', 'venv', '.tox', '.nox', '__pycache__', 'dist', 'build', '.mypy_cache', '.pytest_cache', 'site-packages']);

/** Project files (relative, "/"-separated), a few levels deep, skipping environments and VCS data. */
export function projectFiles(project: string, maxDepth = 4, maxFiles = 5000): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(join(project, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (out.length >= maxFiles) return;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (depth < maxDepth && !SKIPPED_DIRS.has(entry.name)) walk(rel, depth + 1);
      } else if (entry.isFile()) {
        out.push(rel);
      }
    }
  };
  walk('', 0);
  return out;
}
