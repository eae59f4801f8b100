/**
 * The floors of src/ (docs/architecture.md): each folder imports only from its own floor and
 * the floors below it, so no folder depends on one above it and no two folders depend on
 * each other. Imports are read as TypeScript reads them, dynamic ones included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/**
 * Lowest first. Folders on one floor (cli and action) may not import each other. The files
 * directly in src/ (main.ts, cli.ts, index.ts: the entry points) are the top floor.
 */
const FLOORS: readonly (readonly string[])[] = [
  ['core'], // shared words: findings, rules, errors, log, layout, safe files
  ['requirements'], // PEP 508 and the requirements-file format, pure
  ['tools'], // the processes and services the stages run: python, pip, gpg, http, caches
  ['inputs'], // user inputs and their grammars
  ['config'], // phoreus.yaml
  ['plan'], // the project, the target, the platform plan, the matrix
  ['checks'], // the lock rules; verify gives the plan a build consumes
  ['rpm'], // wheelhouse, spec, modulefile, rpmbuild: the packages
  ['audit'], // the built RPM judged
  ['publish'], // signing, the published repository, artifacts
  ['pipeline'], // the build: verify, make, audit, sign
  ['report'], // findings rendered: text, JSON, SARIF, the job summary
  ['commands'], // one run of a command and its exit status, for the CLI and the action
  ['cli', 'action'],
  ['(entry)'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The floor a file of src/ belongs to: its top folder, or (entry) for the files in src/ itself. */
function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? (parts[0] ?? '') : '(entry)';
}

interface Edge {
  from: string;
  to: string;
  file: string;
  specifier: string;
}

/** Every import of a src/ file that leads to another folder of src/. */
function crossFolderImports(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), fileName);
      if (relative(SRC, target).startsWith('..')) continue; // package.json, for the tool's own name
      const from = folderOf(file);
      const to = folderOf(target.replace(/\.js$/, '.ts'));
      if (from !== to) edges.push({ from, to, file: relative(SRC, file), specifier: fileName });
    }
  }
  return edges;
}

const floorOf = (folder: string): number => FLOORS.findIndex((floor) => floor.includes(folder));

/** A cycle of the folder graph, as the folders it passes through, or undefined. */
function folderCycle(edges: readonly Edge[]): string[] | undefined {
  const next = new Map<string, Set<string>>();
  for (const e of edges) next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (folder: string): string[] | undefined => {
    if (state.get(folder) === 'open') return [...path.slice(path.indexOf(folder)), folder];
    if (state.get(folder) === 'done') return undefined;
    state.set(folder, 'open');
    path.push(folder);
    for (const to of next.get(folder) ?? []) {
      const cycle = visit(to);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(folder, 'done');
    return undefined;
  };
  for (const folder of next.keys()) {
    const cycle = visit(folder);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('the floors of src/', () => {
  const edges = crossFolderImports();

  it('reads the imports it judges', () => {
    expect(edges.some((e) => e.from === 'rpm' && e.to === 'core')).toBe(true);
    expect(edges.some((e) => e.from === '(entry)' && e.to === 'action')).toBe(true);
  });

  it('places every folder of src/ on a floor', () => {
    const folders = new Set(sourceFiles(SRC).map(folderOf));
    expect([...folders].filter((f) => floorOf(f) < 0)).toEqual([]);
  });

  it('has no import from a floor to a higher one or across one floor', () => {
    const upward = edges
      .filter((e) => floorOf(e.from) <= floorOf(e.to))
      .map((e) => `${e.file} (${e.from}) imports ${e.specifier} (${e.to})`);
    expect(upward).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(folderCycle(edges)).toBeUndefined();
  });

  it('finds a cycle when there is one', () => {
    const made = (from: string, to: string): Edge => ({ from, to, file: `${from}/x.ts`, specifier: `../${to}/y.js` });
    expect(folderCycle([made('rpm', 'core'), made('audit', 'rpm'), made('rpm', 'audit')])).toEqual(['rpm', 'audit', 'rpm']);
    expect(folderCycle([made('rpm', 'core'), made('audit', 'rpm')])).toBeUndefined();
  });
});
