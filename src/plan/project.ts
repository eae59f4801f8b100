/** Reading the project: its files (confined to the project directory) and its own metadata. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { UsageError } from '../core/errors.js';
import { readText } from '../core/files.js';

export function assertProjectDir(project: string): void {
  if (!existsSync(project) || !statSync(project).isDirectory()) {
    throw new UsageError(`project directory ${project} does not exist; pass --project with the directory holding requirements.in`);
  }
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
