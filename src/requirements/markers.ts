/** PEP 508 environment markers: a small parser and evaluator for one target interpreter and platform. */
import { valid } from '@renovatebot/pep440';
import { satisfies } from './versions.js';

export interface MarkerEnvironment {
  python_version: string;
  python_full_version: string;
  os_name: string;
  sys_platform: string;
  platform_system: string;
  platform_machine: string;
  platform_python_implementation: string;
  implementation_name: string;
  implementation_version: string;
  platform_release: string;
  platform_version: string;
  extra: string;
}

/** The environment of a Phoreus target: CPython X.Y on Linux for the given architecture. */
export function targetEnvironment(interpreter: string, arch = 'x86_64'): MarkerEnvironment {
  return {
    python_version: interpreter,
    python_full_version: `${interpreter}.0`,
    os_name: 'posix',
    sys_platform: 'linux',
    platform_system: 'Linux',
    platform_machine: arch,
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    implementation_version: `${interpreter}.0`,
    platform_release: '',
    platform_version: '',
    extra: '',
  };
}

type Token = { kind: 'str' | 'var' | 'op' | 'lparen' | 'rparen' | 'and' | 'or'; text: string };

const VARIABLES = new Set<string>([
  'python_version', 'python_full_version', 'os_name', 'sys_platform', 'platform_system',
  'platform_machine', 'platform_python_implementation', 'implementation_name',
  'implementation_version', 'platform_release', 'platform_version', 'extra',
  // Legacy spellings pip still accepts.
  'os.name', 'sys.platform', 'platform.version', 'platform.machine', 'platform.python_implementation', 'python_implementation',
]);

const LEGACY_NAMES: Record<string, string> = {
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.version': 'platform_version',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) { i += space[0].length; continue; }
    if (rest[0] === '(') { tokens.push({ kind: 'lparen', text: '(' }); i++; continue; }
    if (rest[0] === ')') { tokens.push({ kind: 'rparen', text: ')' }); i++; continue; }
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      const end = rest.indexOf(quote, 1);
      if (end < 0) throw new Error('unterminated string in marker');
      tokens.push({ kind: 'str', text: rest.slice(1, end) });
      i += end + 1;
      continue;
    }
    const op = /^(===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)/.exec(rest);
    if (op) { tokens.push({ kind: 'op', text: op[0].replace(/\s+/, ' ') }); i += op[0].length; continue; }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (word) {
      if (word[0] === 'and' || word[0] === 'or') tokens.push({ kind: word[0], text: word[0] });
      else if (VARIABLES.has(word[0])) tokens.push({ kind: 'var', text: LEGACY_NAMES[word[0]] ?? word[0].replace(/\./g, '_') });
      else throw new Error(`unknown marker variable "${word[0]}"`);
      i += word[0].length;
      continue;
    }
    throw new Error(`unexpected "${rest[0]}" in marker`);
  }
  return tokens;
}

function compareValues(op: string, left: string, right: string, versionOperands: boolean): boolean {
  if (op === 'in') return right.includes(left);
  if (op === 'not in') return !right.includes(left);
  if (versionOperands && valid(left) && (op === '==' || op === '!=') && /^[0-9][0-9.]*\.\*$/.test(right)) {
    return satisfies(left, [{ operator: op, version: right }]);
  }
  if (versionOperands && valid(left) && valid(right)) {
    if (op === '===') return left === right;
    return satisfies(left, [{ operator: op as '==', version: right }]);
  }
  switch (op) {
    case '==': case '===': return left === right;
    case '!=': return left !== right;
    case '<': return left < right;
    case '<=': return left <= right;
    case '>': return left > right;
    case '>=': return left >= right;
    default: return false; // ~= on non-versions never matches (PEP 508)
  }
}

const VERSION_VARIABLES = new Set(['python_version', 'python_full_version', 'implementation_version', 'platform_release']);

/**
 * Evaluates a marker. Throws an Error with a readable message when the marker is malformed;
 * callers turn that into a finding.
 */
export function evaluateMarker(marker: string, env: MarkerEnvironment): boolean {
  const tokens = tokenize(marker);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const value = (): { text: string; isVersion: boolean } => {
    const t = tokens[pos++];
    if (!t) throw new Error('marker ends too early');
    if (t.kind === 'str') return { text: t.text, isVersion: false };
    if (t.kind === 'var') return { text: env[t.text as keyof MarkerEnvironment] ?? '', isVersion: VERSION_VARIABLES.has(t.text) };
    throw new Error(`expected a value in marker, found "${t.text}"`);
  };
  const atom = (): boolean => {
    if (peek()?.kind === 'lparen') {
      pos++;
      const result = orExpr();
      if (tokens[pos++]?.kind !== 'rparen') throw new Error('unclosed "(" in marker');
      return result;
    }
    const left = value();
    const op = tokens[pos++];
    if (!op || op.kind !== 'op') throw new Error('expected a comparison in marker');
    const right = value();
    return compareValues(op.text, left.text, right.text, left.isVersion || right.isVersion);
  };
  const andExpr = (): boolean => {
    let result = atom();
    while (peek()?.kind === 'and') { pos++; result = atom() && result; }
    return result;
  };
  const orExpr = (): boolean => {
    let result = andExpr();
    while (peek()?.kind === 'or') { pos++; result = andExpr() || result; }
    return result;
  };
  const result = orExpr();
  if (pos !== tokens.length) throw new Error(`unexpected "${tokens[pos]?.text}" in marker`);
  return result;
}
