/**
 * action.yml is what GitHub loads before it runs anything: it must be valid YAML, have the shape
 * of action metadata, and declare exactly the inputs and outputs the code reads and writes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMap, parseDocument } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ACTION = join(ROOT, 'action.yml');
const SRC = join(ROOT, 'src');

interface Metadata {
  name?: unknown;
  description?: unknown;
  inputs?: Record<string, Record<string, unknown>>;
  outputs?: Record<string, Record<string, unknown>>;
  runs?: Record<string, unknown>;
}

/** Parses action.yml strictly: any error or warning of the parser fails, as do duplicate keys. */
function loadAction(): Metadata {
  const doc = parseDocument(readFileSync(ACTION, 'utf8'), { strict: true, uniqueKeys: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  if (problems.length > 0) throw new Error(`action.yml does not parse:\n${problems.join('\n')}`);
  if (!isMap(doc.contents)) throw new Error('action.yml is not a mapping');
  return doc.toJS() as Metadata;
}

/** Every TypeScript file under src/, whatever the file layout. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** A literal string argument: single, double or back quotes (no interpolation). */
const LITERAL = String.raw`\(\s*(['"\x60])([^'"\x60$\\]+)\1`;
/** Inputs: the `input()` wrapper of src/action/common.ts and @actions/core's own readers. */
const INPUT_READ = new RegExp(String.raw`(?:\binput|\bcore\.get(?:Boolean|Multiline)?Input)` + LITERAL, 'g');
const OUTPUT_WRITE = new RegExp(String.raw`\bcore\.setOutput` + LITERAL, 'g');

/** The names that `pattern` captures across src/, each with the files that use it. */
function namesIn(pattern: RegExp): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
      const name = match[2] ?? '';
      names.set(name, [...(names.get(name) ?? []), relative(ROOT, file)]);
    }
  }
  return names;
}

describe('action.yml', () => {
  const action = loadAction();
  const inputs = action.inputs ?? {};
  const outputs = action.outputs ?? {};

  it('is action metadata that runs dist/index.js on Node 24', () => {
    expect(typeof action.name).toBe('string');
    expect(typeof action.description).toBe('string');
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(sourceFiles().length).toBeGreaterThan(0);
  });

  it('describes every input; defaults are strings and required is a boolean', () => {
    expect(Object.keys(inputs).length).toBeGreaterThan(0);
    for (const [name, spec] of Object.entries(inputs)) {
      expect(spec, name).toBeTypeOf('object');
      expect(Object.keys(spec).filter((k) => !['description', 'required', 'default', 'deprecationMessage'].includes(k)), name).toEqual([]);
      expect(typeof spec.description === 'string' && spec.description.trim() !== '', `input ${name} has a description`).toBe(true);
      if ('default' in spec) expect(typeof spec.default, `default of input ${name}`).toBe('string');
      if ('required' in spec) expect(typeof spec.required, `required of input ${name}`).toBe('boolean');
    }
  });

  it('describes every output', () => {
    expect(Object.keys(outputs).length).toBeGreaterThan(0);
    for (const [name, spec] of Object.entries(outputs)) {
      expect(typeof spec?.description === 'string' && spec.description.trim() !== '', `output ${name} has a description`).toBe(true);
    }
  });

  it('declares exactly the inputs that src/ reads', () => {
    const read = namesIn(INPUT_READ);
    // A scan that finds nothing means the reading code moved or changed shape: fail, do not pass vacuously.
    expect(read.size, 'no input() or core.getInput() read with a literal name was found under src/').toBeGreaterThan(0);
    const undeclared = [...read].filter(([name]) => !(name in inputs)).map(([name, files]) => `${name} (read in ${files.join(', ')})`);
    expect(undeclared, 'inputs read by the code but missing from action.yml').toEqual([]);
    expect(Object.keys(inputs).filter((name) => !read.has(name)), 'inputs of action.yml that no code reads').toEqual([]);
  });

  it('declares exactly the outputs that src/ sets', () => {
    const set = namesIn(OUTPUT_WRITE);
    expect(set.size, 'no core.setOutput() with a literal name was found under src/').toBeGreaterThan(0);
    const undeclared = [...set].filter(([name]) => !(name in outputs)).map(([name, files]) => `${name} (set in ${files.join(', ')})`);
    expect(undeclared, 'outputs set by the code but missing from action.yml').toEqual([]);
    expect(Object.keys(outputs).filter((name) => !set.has(name)), 'outputs of action.yml that no code sets').toEqual([]);
  });
});
