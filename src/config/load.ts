/** Finding and reading the configuration file: --config, else phoreus.yaml in the project. */
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError } from '../core/errors.js';
import { readText } from '../core/files.js';
import { parseConfig, type LoadedConfig } from './config.js';

export function loadConfig(project: string, explicit?: string): LoadedConfig | undefined {
  const path = explicit ?? join(project, 'phoreus.yaml');
  if (!existsSync(path)) {
    if (explicit) throw new UsageError(`configuration file ${explicit} does not exist; fix --config`);
    return undefined;
  }
  if (!statSync(path).isFile()) throw new UsageError(`configuration file ${path} is not a file; fix --config`);
  const rel = relative(project, path);
  // An explicit file may sit beside the project (a shared configuration), within the directory the run started in.
  const root = explicit && rel.startsWith('..') ? process.cwd() : project;
  return parseConfig(rel.startsWith('..') ? path : rel, readText(path, root));
}
