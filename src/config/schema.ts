/**
 * A small schema language for phoreus.yaml and a validator over the YAML syntax tree, so that
 * every error names its line: unknown keys (typos), wrong types, malformed values.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node } from 'yaml';
import { type Judgement } from '../inputs/values.js';
import { shown } from '../core/outward.js';

export type Schema =
  /** `missing`: what to say when the value is empty, instead of a type error. */
  /** `refuse`: what is wrong with the value, as the end of `key: "value" …`, or undefined. */
  | { type: 'string'; pattern?: RegExp; hint?: string; missing?: string; judge?: (value: string) => Judgement; refuse?: (value: string) => string | undefined }
  | { type: 'scalar'; judge?: (value: string) => Judgement }
  | { type: 'boolean' }
  | { type: 'list'; items: Schema }
  | { type: 'object'; fields: Record<string, Schema>; required?: string[] }
  | { type: 'map'; keys: { pattern: RegExp; hint: string }; values: Schema };

export interface SchemaError {
  line: number;
  path: string;
  message: string;
}

/** Lines of every value in the document, by dotted path, for findings about valid values. */
export type LineIndex = Map<string, number>;

type Of<T extends Schema['type']> = Extract<Schema, { type: T }>;

/** One validation: the errors found and the line of every value, by dotted path. */
class Validation {
  readonly errors: SchemaError[] = [];
  readonly index: LineIndex = new Map();
  /** Line of the key whose value is being checked: an empty value has no position of its own. */
  private keyLine = 1;

  constructor(private readonly lines: LineCounter) {}

  private lineOf(n: Node | null | undefined): number {
    const offset = n?.range?.[0];
    return offset === undefined ? this.keyLine : this.lines.linePos(offset).line;
  }

  private fail(n: Node | null | undefined, at: string, message: string): void {
    this.errors.push({ line: isScalar(n) && n.value === null ? this.keyLine : this.lineOf(n), path: at, message });
  }

  private judged(n: Node, at: string, judge: ((value: string) => Judgement) | undefined): void {
    const value = isScalar(n) ? String(n.value) : '';
    const wrong = judge?.(value);
    if (wrong) this.fail(n, at, `${at}: "${shown(value)}" is not safe: ${wrong}`);
  }

  walk(n: Node | null | undefined, s: Schema, at: string): void {
    this.index.set(at, this.lineOf(n));
    const where = at || 'the top level';
    switch (s.type) {
      case 'string':
        return this.string(n, s, at, where);
      case 'scalar':
        if (!isScalar(n) || n.value === null || typeof n.value === 'object') return this.fail(n, at, `${where} must be a string or number, not ${describe(n)}`);
        return this.judged(n, at, s.judge);
      case 'boolean':
        if (!isScalar(n) || typeof n.value !== 'boolean') this.fail(n, at, `${where} must be true or false, not ${describe(n)}`);
        return;
      case 'list':
        if (!isSeq(n)) return this.fail(n, at, `${where} must be a list, not ${describe(n)}`);
        n.items.forEach((item, i) => this.walk(item as Node, s.items, `${at}[${i}]`));
        return;
      case 'object':
      case 'map':
        return this.mapping(n, s, at, where);
    }
  }

  private string(n: Node | null | undefined, s: Of<'string'>, at: string, where: string): void {
    if (s.missing && (n === null || n === undefined || (isScalar(n) && (n.value === null || String(n.value).trim() === '')))) {
      return this.fail(n, at, `${where} ${s.missing}`);
    }
    if (isScalar(n) && typeof n.value === 'number') {
      return this.fail(n, at, `${where} must be a string, not the number ${String(n.value)}: quote it, as YAML reads an unquoted 1.10 as the number 1.1`);
    }
    if (!isScalar(n) || typeof n.value !== 'string') return this.fail(n, at, `${where} must be a string, not ${describe(n)}`);
    if (s.pattern && !s.pattern.test(n.value)) return this.fail(n, at, `${where}: "${shown(n.value)}" ${s.hint ?? 'is not valid'}`);
    const refused = s.refuse?.(n.value);
    if (refused) return this.fail(n, at, `${where}: "${shown(n.value)}" ${refused}`);
    this.judged(n, at, s.judge);
  }

  /** An object (known fields, required ones) or a map (keys of a pattern, values of one schema). */
  private mapping(n: Node | null | undefined, s: Of<'object'> | Of<'map'>, at: string, where: string): void {
    if (!isMap(n)) return this.fail(n, at, `${where} must be a mapping, not ${describe(n)}`);
    if (s.type === 'object') {
      const present = new Set(n.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')));
      for (const key of s.required ?? []) {
        if (!present.has(key)) this.fail(n, at, `${where} needs "${key}"`);
      }
    }
    for (const pair of n.items) {
      const keyNode = pair.key as Node;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const child = at ? `${at}.${key}` : key;
      this.keyLine = this.lineOf(keyNode);
      const value = s.type === 'object' ? this.field(s, keyNode, key, child, where) : this.mapValue(s, keyNode, key, child, where);
      if (!value) continue;
      this.walk(pair.value as Node, value, child);
      this.index.set(child, this.lineOf(keyNode));
    }
  }

  private field(s: Of<'object'>, keyNode: Node, key: string, child: string, where: string): Schema | undefined {
    const field = s.fields[key];
    if (field) return field;
    const known = Object.keys(s.fields);
    const near = known.find((k) => closeTo(k, key));
    this.fail(keyNode, child, `unknown key "${shown(key)}" in ${where}${near ? ` (did you mean "${near}"?)` : ''}; known keys: ${known.join(', ')}`);
    return undefined;
  }

  private mapValue(s: Of<'map'>, keyNode: Node, key: string, child: string, where: string): Schema | undefined {
    if (isScalar(keyNode) && typeof keyNode.value === 'string' && s.keys.pattern.test(key)) return s.values;
    this.fail(keyNode, child, `"${shown(key)}" in ${where} ${s.keys.hint}`);
    return undefined;
  }
}

function describe(n: Node | null | undefined): string {
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) return n.value === null ? 'empty' : `${typeof n.value} "${shown(String(n.value), 40)}"`;
  return 'empty';
}

export function validate(node: Node | null | undefined, schema: Schema, lines: LineCounter, path = ''): { errors: SchemaError[]; index: LineIndex } {
  const validation = new Validation(lines);
  validation.walk(node, schema, path);
  return { errors: validation.errors, index: validation.index };
}

/** True when two keys differ by at most two edits: catches typos such as "interpeters". */
function closeTo(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return (row[b.length] ?? 99) <= 2;
}
