/**
 * A parser for pip's requirements-file format, as pip itself reads it: physical lines
 * (LF, CRLF or CR), `\` continuations, `#` comments, option lines, per-requirement
 * options (`--hash`), editables, and pip-compile's "unsafe packages" section.
 * It never throws: what it cannot read becomes a problem with its line.
 */
import { parseRequirement, type Requirement } from './pep508.js';

export interface HashValue {
  algorithm: string;
  digest: string;
}

export interface RequirementEntry {
  kind: 'requirement';
  /** 1-based line where the logical line starts. */
  line: number;
  /** The requirement as written (may hold credentials: redact before showing). */
  text: string;
  /** Undefined when the text could not be parsed (a problem is recorded). */
  requirement?: Requirement;
  editable: boolean;
  hashes: HashValue[];
  /** Listed after pip-compile's "considered to be unsafe" comment. */
  unsafeSection: boolean;
}

export interface OptionEntry {
  kind: 'option';
  line: number;
  /** Long form, e.g. `--index-url`. */
  name: string;
  value?: string;
}

export interface Problem {
  line: number;
  /** What could not be read: a requirement, a hash, or the line's option syntax. */
  kind: 'requirement' | 'hash' | 'syntax';
  message: string;
}

export interface RequirementsFile {
  entries: Array<RequirementEntry | OptionEntry>;
  /** Every comment, with its physical line, text after the `#`. */
  comments: Array<{ line: number; text: string }>;
  problems: Problem[];
}

const LINE_OPTIONS_WITH_VALUE: Record<string, string> = {
  '-i': '--index-url', '--index-url': '--index-url',
  '--extra-index-url': '--extra-index-url',
  '-f': '--find-links', '--find-links': '--find-links',
  '-r': '--requirement', '--requirement': '--requirement',
  '-c': '--constraint', '--constraint': '--constraint',
  '--trusted-host': '--trusted-host',
  '--only-binary': '--only-binary',
  '--no-binary': '--no-binary',
  '--use-feature': '--use-feature',
};
const LINE_FLAGS = new Set(['--no-index', '--pre', '--prefer-binary', '--require-hashes']);
const PER_REQUIREMENT_WITH_VALUE = new Set(['--hash', '--config-settings', '--global-option']);

const COMMENT = /(^|\s+)#.*$/;
const UNSAFE_HEADER = /The following packages are considered to be unsafe in a requirements file/;

/** Splits into physical lines the way Python's splitlines() does for \n, \r\n and \r. */
export function physicalLines(content: string): string[] {
  const lines = content.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

interface LogicalLine {
  line: number;
  text: string;
}

/** pip's join_lines + ignore_comments: continuation lines joined, comments stripped. */
function logicalLines(lines: readonly string[]): LogicalLine[] {
  const out: LogicalLine[] = [];
  let pending: string[] = [];
  let start = 0;
  lines.forEach((raw, index) => {
    const isComment = /^\s*#/.test(raw);
    if (!raw.endsWith('\\') || isComment) {
      if (pending.length > 0) {
        pending.push(isComment ? ` ${raw}` : raw);
        out.push({ line: start, text: pending.join('') });
        pending = [];
      } else {
        out.push({ line: index + 1, text: raw });
      }
    } else {
      if (pending.length === 0) start = index + 1;
      pending.push(raw.replace(/\\+$/, ''));
    }
  });
  if (pending.length > 0) out.push({ line: start, text: pending.join('') });
  return out
    .map((l) => ({ line: l.line, text: l.text.replace(COMMENT, '').trim() }))
    .filter((l) => l.text !== '');
}

/** Splits option text into words, honouring single and double quotes as shlex does. */
export function shellWords(text: string): string[] | null {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) return null;
  if (inWord) words.push(current);
  return words;
}

function parseHash(value: string): HashValue | null {
  const m = /^([A-Za-z0-9]+):(.+)$/.exec(value);
  return m ? { algorithm: (m[1] ?? '').toLowerCase(), digest: m[2] ?? '' } : null;
}

export function parseRequirementsFile(content: string): RequirementsFile {
  const lines = physicalLines(content);
  const file: RequirementsFile = { entries: [], comments: [], problems: [] };

  let unsafeFrom = Number.POSITIVE_INFINITY;
  lines.forEach((raw, index) => {
    const start = /(^|\s)#/.exec(raw);
    if (start) {
      const text = raw.slice(start.index + start[0].length).replace(/^ /, '');
      file.comments.push({ line: index + 1, text });
      if (UNSAFE_HEADER.test(text) && unsafeFrom === Number.POSITIVE_INFINITY) unsafeFrom = index + 1;
    }
  });

  for (const { line, text } of logicalLines(lines)) {
    parseLogicalLine(file, line, text, line > unsafeFrom);
  }
  return file;
}

function parseLogicalLine(file: RequirementsFile, line: number, text: string, unsafeSection: boolean): void {
  const problem = (message: string, kind: Problem['kind'] = 'syntax'): void => {
    file.problems.push({ line, kind, message });
  };

  // The requirement is everything before the first word that starts with "-" (pip's break_args_options).
  const words = text.split(/\s+/);
  const firstOption = words.findIndex((w) => w.startsWith('-'));
  const requirementText = (firstOption < 0 ? words : words.slice(0, firstOption)).join(' ');
  const optionWords = shellWords(firstOption < 0 ? '' : words.slice(firstOption).join(' '));
  if (optionWords === null) {
    problem('unclosed quote');
    return;
  }

  const hashes: HashValue[] = [];
  let editable: string | undefined;
  for (let i = 0; i < optionWords.length; i++) {
    const word = optionWords[i] ?? '';
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const flag = eq > 0 ? word.slice(0, eq) : word;
    const inline = eq > 0 ? word.slice(eq + 1) : undefined;
    // Short options may carry their value glued on: "-rbase.txt".
    const shortGlued = /^-[ircfe]./.test(word) && !word.startsWith('--') ? word.slice(0, 2) : undefined;
    const name = shortGlued ?? flag;
    const takeValue = (): string | undefined => {
      if (inline !== undefined) return inline;
      if (shortGlued) return word.slice(2);
      i++;
      return optionWords[i];
    };

    if (name === '-e' || name === '--editable') {
      const value = takeValue();
      if (value === undefined || value.trim() === '') problem(`${name} needs a value`);
      else editable = value;
    } else if (PER_REQUIREMENT_WITH_VALUE.has(name)) {
      const value = takeValue();
      if (value === undefined) { problem(`${name} needs a value`); continue; }
      if (name !== '--hash') {
        file.entries.push({ kind: 'option', line, name, value });
        continue;
      }
      const parsed = parseHash(value);
      if (parsed) hashes.push(parsed);
      else problem(`"--hash=${value}" is not of the form --hash=sha256:<hex digest>`, 'hash');
    } else if (LINE_OPTIONS_WITH_VALUE[name]) {
      const value = takeValue();
      if (value === undefined) problem(`${name} needs a value`);
      else file.entries.push({ kind: 'option', line, name: LINE_OPTIONS_WITH_VALUE[name], value });
    } else if (LINE_FLAGS.has(name)) {
      file.entries.push({ kind: 'option', line, name });
    } else {
      problem(`unknown option "${name.slice(0, 40)}"`);
    }
  }

  const written = editable ?? requirementText;
  if (written === '') {
    if (hashes.length > 0) problem('--hash given without a requirement', 'hash');
    return;
  }
  if (editable !== undefined && requirementText !== '') problem(`"${requirementText}" and -e ${editable} on one line`);
  const parsed = parseRequirement(written);
  const entry: RequirementEntry = { kind: 'requirement', line, text: written, editable: editable !== undefined, hashes, unsafeSection };
  if (parsed.ok) entry.requirement = parsed.requirement;
  else problem(parsed.error, 'requirement');
  file.entries.push(entry);
}

export function requirementEntries(file: RequirementsFile): RequirementEntry[] {
  return file.entries.filter((e): e is RequirementEntry => e.kind === 'requirement');
}

export function optionEntries(file: RequirementsFile): OptionEntry[] {
  return file.entries.filter((e): e is OptionEntry => e.kind === 'option');
}
