/** Parsing of one requirement string: PEP 508 names, extras, specifiers, markers and URLs. */

export interface SpecifierClause {
  operator: '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>' | '===';
  version: string;
}

export interface Requirement {
  /** The name as written; compare with normalizeName(). */
  name: string;
  extras: string[];
  specifier: SpecifierClause[];
  marker?: string;
  /** `name @ url`, or a bare URL / path given instead of a name. */
  url?: string;
}

export type ParsedRequirement = { ok: true; requirement: Requirement } | { ok: false; error: string };

/** PEP 503 normalisation: runs of `-`, `_`, `.` become one `-`, lower case. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/;
const OPERATOR = /^(===|~=|==|!=|<=|>=|<|>)/;
const VERSION = /^[A-Za-z0-9_.*+!-]+/;
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** `name @ url` and `name[extra]@url`: a PEP 508 URL requirement, named. */
const NAMED_URL = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(?:\[[^\]]*\])?\s*@/;

/** True for what pip takes as a path or URL rather than a name: `./x`, `/x`, `git+https://…`, `x.whl`. */
export function looksLikeLocation(text: string): boolean {
  if (NAMED_URL.test(text)) return false;
  return (
    URL_SCHEME.test(text) ||
    text.startsWith('.') ||
    text.startsWith('/') ||
    text.startsWith('~') ||
    /\.(whl|zip|tar\.gz|tgz|tar\.bz2|tar\.xz)$/i.test(text) ||
    (text.includes('/') && !text.includes(' @ ') && !/[<>=!~;]/.test(text.split('/')[0] ?? ''))
  );
}

/** The `#egg=name` fragment of a pip URL, if any. */
function eggName(url: string): string {
  const egg = /[#&]egg=([A-Za-z0-9._-]+)/.exec(url);
  return egg?.[1] ?? '';
}

export function parseRequirement(input: string): ParsedRequirement {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'empty requirement' };
  if (looksLikeLocation(text)) {
    const [location, marker] = splitMarker(text, true);
    return { ok: true, requirement: { name: eggName(location), extras: [], specifier: [], url: location, ...markerField(marker) } };
  }
  const nameMatch = NAME.exec(text);
  if (!nameMatch) return { ok: false, error: `"${text}" does not start with a package name` };
  const name = nameMatch[0];
  let rest = text.slice(name.length).trimStart();

  const extras: string[] = [];
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return { ok: false, error: `unclosed "[" in the extras of ${name}` };
    for (const extra of rest.slice(1, close).split(',')) {
      const e = extra.trim();
      if (e === '') continue;
      if (!NAME.test(e) || NAME.exec(e)?.[0] !== e) return { ok: false, error: `invalid extra "${e}" of ${name}` };
      extras.push(e);
    }
    rest = rest.slice(close + 1).trimStart();
  }

  if (rest.startsWith('@')) {
    const [url, marker] = splitMarker(rest.slice(1).trim(), true);
    if (url === '') return { ok: false, error: `"${name} @" is not followed by a URL` };
    return { ok: true, requirement: { name, extras, specifier: [], url, ...markerField(marker) } };
  }

  const [specText, marker] = splitMarker(rest, false);
  const specifier = parseSpecifier(specText);
  if (typeof specifier === 'string') return { ok: false, error: `${specifier} in the requirement on ${name}` };
  return { ok: true, requirement: { name, extras, specifier, ...markerField(marker) } };
}

function markerField(marker: string | undefined): { marker?: string } {
  return marker === undefined || marker === '' ? {} : { marker };
}

/** Splits `x ; marker`. After a URL the `;` must follow white space (PEP 508), since URLs may hold `;`. */
function splitMarker(text: string, afterUrl: boolean): [string, string | undefined] {
  const at = afterUrl ? text.search(/\s;/) : text.indexOf(';');
  if (at < 0) return [text.trim(), undefined];
  const cut = afterUrl ? text.indexOf(';', at) : at;
  return [text.slice(0, at).trim(), text.slice(cut + 1).trim()];
}

/** Parses `>=1.0, <2` (optionally in parentheses); returns an error text when malformed. */
export function parseSpecifier(input: string): SpecifierClause[] | string {
  let text = input.trim();
  if (text.startsWith('(')) {
    if (!text.endsWith(')')) return 'unclosed "(" in a version specifier';
    text = text.slice(1, -1).trim();
  }
  if (text === '') return [];
  const clauses: SpecifierClause[] = [];
  for (const part of text.split(',')) {
    const clause = part.trim();
    const op = OPERATOR.exec(clause);
    if (!op) return `"${clause}" is not a version specifier (expected ==, >=, ~= …)`;
    const version = clause.slice(op[0].length).trim();
    const v = VERSION.exec(version);
    if (!v || v[0] !== version) return `"${clause}" has no valid version`;
    clauses.push({ operator: op[0] as SpecifierClause['operator'], version });
  }
  return clauses;
}

export function formatSpecifier(clauses: readonly SpecifierClause[]): string {
  return clauses.map((c) => `${c.operator}${c.version}`).join(',');
}
