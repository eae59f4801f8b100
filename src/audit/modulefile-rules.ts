/**
 * The rules on a modulefile (charter §9): it must load the interpreter module, set
 * VIRTUAL_ENV to its venv and prepend the venv's bin to PATH (PH205), and must never touch
 * PYTHONPATH, PYTHONHOME, PYTHONUSERBASE or a site-packages path (PH204). Pure: it reads
 * the Lua of a modulefile as text, evaluating only string locals and pathJoin().
 */
import { finding, type Finding } from '../core/finding.js';

const FORBIDDEN = /PYTHONPATH|PYTHONHOME|PYTHONUSERBASE|site-packages/;
const STRING = String.raw`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`;
/** whatis() and help() only describe: what their text says touches nothing. */
const DESCRIPTION = new RegExp(String.raw`\b(whatis|help)\s*\(\s*(${STRING}|\[(=*)\[[\s\S]*?\]\3\])\s*\)`, 'g');

/** The Lua without comments (a "--" inside a string is kept). */
function withoutComments(text: string): string {
  return text
    .replace(/--\[(=*)\[[\s\S]*?\]\1\]/g, (m) => m.replace(/[^\n]/g, ' '))
    .split('\n')
    .map((line) => {
      const strings = new RegExp(`${STRING}|--.*$`, 'g');
      return line.replace(strings, (m) => (m.startsWith('--') ? '' : m));
    })
    .join('\n');
}

const unquote = (literal: string): string => literal.slice(1, -1).replace(/\\(.)/g, '$1');

/** The value of a string expression: a literal, a string local, or pathJoin() of those. */
function evaluate(expr: string, locals: ReadonlyMap<string, string>): string | undefined {
  const e = expr.trim();
  if (/^("|')/.test(e)) return unquote(e);
  if (/^\w+$/.test(e)) return locals.get(e);
  const join = /^pathJoin\s*\(([\s\S]*)\)$/.exec(e);
  if (!join) return undefined;
  const parts = (join[1] ?? '').match(new RegExp(`${STRING}|\\w+`, 'g')) ?? [];
  const values = parts.map((p) => evaluate(p, locals));
  return values.every((v) => v !== undefined) ? values.join('/').replace(/\/+/g, '/') : undefined;
}

/** Functions whose values Lmod writes into the user's shell as code. */
const SETTERS = /\b(setenv|pushenv|prepend_path|append_path|remove_path|set_alias|set_shell_function)\s*\(/g;
/** Whether the body of a quoted Lua string holds a control character, raw or escaped (\n, \0, \ddd below 32, \x0., \z …). */
function holdsControl(body: string): boolean {
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return true;
    if (body[i] !== '\\') continue;
    const next = body.slice(i + 1);
    if (next.charCodeAt(0) < 32 || /^[nrvfabz]/.test(next) || /^x[01][0-9a-fA-F]/i.test(next)) return true;
    const decimal = /^\d{1,3}/.exec(next)?.[0];
    if (decimal !== undefined && (Number(decimal) < 32 || Number(decimal) === 127)) return true;
    i++; // an escaped character (a backslash, a quote, a digit run's first digit) is not read again
  }
  return false;
}

/**
 * PH317: a value with a newline or another control character. Lmod writes variables into the
 * user's shell as code, and such a value breaks out of its quoting: loading the module
 * would run whatever follows, in every shell that loads it.
 */
function checkSetterValues(file: string, code: string): Finding[] {
  const findings: Finding[] = [];
  for (const m of code.matchAll(SETTERS)) {
    const start = (m.index ?? 0) + m[0].length;
    let depth = 1;
    let end = start;
    while (end < code.length && depth > 0) {
      const c = code[end];
      if (c === '(') depth++;
      else if (c === ')') depth--;
      end++;
    }
    const args = code.slice(start, end - 1);
    const literals = args.match(/"(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*'|\[(=*)\[[\s\S]*?\]\1\]/g) ?? [];
    if (literals.some((l) => (l.startsWith('[') ? /[\r\n]/.test(l) : holdsControl(l.slice(1, -1))))) {
      const line = code.slice(0, m.index).split('\n').length;
      findings.push(finding('PH317', file, line, `${m[1]} is given a value with a newline or another control character: Lmod writes it into the user's shell as code, so loading the module would run what follows; remove the control characters`));
    }
  }
  return findings;
}

export function checkModulefile(file: string, text: string, interpreterModule: string, venv: string): Finding[] {
  const findings: Finding[] = [];
  const code = withoutComments(text);
  findings.push(...checkSetterValues(file, code));
  const described = code.replace(DESCRIPTION, (m) => m.replace(/[^\n]/g, ' '));
  described.split('\n').forEach((line, i) => {
    const m = FORBIDDEN.exec(line);
    if (m) findings.push(finding('PH204', file, i + 1, `the modulefile touches ${m[0]}: a Phoreus module activates its venv through VIRTUAL_ENV and PATH only (charter §9); remove the line`));
  });

  const locals = new Map<string, string>();
  for (const m of code.matchAll(new RegExp(`\\blocal\\s+(\\w+)\\s*=\\s*(${STRING}|pathJoin\\s*\\([^)]*\\))`, 'g'))) {
    const value = evaluate(m[2] ?? '', locals);
    if (value !== undefined) locals.set(m[1] ?? '', value);
  }
  const calls = (name: string, first: string): string[] =>
    [...code.matchAll(new RegExp(`\\b${name}\\s*\\(\\s*["']${first}["']\\s*,\\s*((?:pathJoin\\s*\\([^)]*\\))|${STRING}|\\w+)`, 'g'))].map((m) => evaluate(m[1] ?? '', locals) ?? '');

  const escaped = interpreterModule.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!new RegExp(`\\b(load|depends_on|always_load|prereq)\\s*\\(\\s*["']${escaped}(/[^"']*)?["']`).test(code)) {
    findings.push(finding('PH205', file, 1, `the modulefile does not load ${interpreterModule}: add load("${interpreterModule}") before the venv is activated (charter §5, §9)`));
  }
  const virtualEnv = calls('setenv', 'VIRTUAL_ENV');
  if (!virtualEnv.some((v) => v.replace(/\/+$/, '') === venv)) {
    findings.push(finding('PH205', file, 1, `the modulefile does not set VIRTUAL_ENV to ${venv}${virtualEnv.length ? ` (it sets ${virtualEnv.join(', ') || 'an expression'})` : ''}: add setenv("VIRTUAL_ENV", "${venv}") (charter §9)`));
  }
  const path = calls('prepend_path', 'PATH');
  if (!path.some((v) => v.replace(/\/+$/, '') === `${venv}/bin`)) {
    findings.push(finding('PH205', file, 1, `the modulefile does not prepend ${venv}/bin to PATH: add prepend_path("PATH", "${venv}/bin") (charter §9)`));
  }
  return findings;
}
