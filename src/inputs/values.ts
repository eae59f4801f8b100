/**
 * The grammar of every value that becomes a name or a path on installed systems, or a word
 * in the spec, a shell line or a modulefile: the tool's name and version, the RPM release,
 * the interpreter's home and module. One place decides what is safe; the configuration
 * schema, the CLI flags, the action inputs and the spec model all ask it. Pure.
 *
 * Each grammar leaves no room for RPM macros (%), shell (quotes, $, `, ;, spaces), Lua
 * (quotes, brackets) or path tricks (.., //, a trailing /).
 */
import { shown } from '../core/outward.js';
import { DEFAULT_INTERPRETER_HOME } from '../core/layout.js';

export const MAX_VALUE_LENGTH = 64;

/** Lower-case letters and digits joined by single separators: an RPM name, a path segment, a module name. */
export const TOOL_NAME = /^[a-z0-9]+(?:[._+-][a-z0-9]+)*$/;
/** RPM forbids "-" in Version and Release; starting with a digit keeps it a version. */
export const TOOL_VERSION = /^[0-9][0-9A-Za-z]*(?:[._+~][0-9A-Za-z]+)*$/;
/** RPM's Release: letters and digits joined by single ".", "_", "+" or "~" (no "-", no "%"). */
export const RPM_RELEASE = /^[0-9A-Za-z]+(?:[._+~][0-9A-Za-z]+)*$/;
/** An interpreter module is also an RPM name (Requires: phoreus-python-3.11). */
export const MODULE_NAME = /^[A-Za-z0-9]+(?:[._+-][A-Za-z0-9]+)*$/;
/** Segments of an absolute path: letters, digits and ".", "_", "+", "-", never "." or ".." alone. */
const PATH_SEGMENT = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$|^\.[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/;
const MAX_PATH_LENGTH = 1024;

export const INTERPRETER = /^3\.\d{1,2}$/;

/** A Python distribution's name (PEP 508) and version as wheel metadata holds them: no spaces, quotes or "%". */
export const DIST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
export const DIST_VERSION = /^[A-Za-z0-9][A-Za-z0-9.+!_-]{0,63}$/;
/** A wheel's file name: the parts of its name, no path, no shell or macro characters. */
export const WHEEL_FILE = /^[A-Za-z0-9][A-Za-z0-9._+-]*\.whl$/;

/** What is wrong with a value, in words that finish "… is not safe: <reason>", or undefined when it is safe. */
export type Judgement = string | undefined;

export function judgeRelease(value: string): Judgement {
  if (value.length > MAX_VALUE_LENGTH || !RPM_RELEASE.test(value)) {
    return `use letters and digits joined by single ".", "_", "+" or "~" (no "-", "%", spaces or newlines), at most ${MAX_VALUE_LENGTH} characters, for example "1" or "2.el9_1"`;
  }
  return undefined;
}

/** An interpreter module name, or a pattern of one with {python}. */
export function judgeModule(value: string): Judgement {
  const expanded = value.split('{python}').join('3.11');
  if (expanded.length > MAX_VALUE_LENGTH || !MODULE_NAME.test(expanded)) {
    return `use letters and digits joined by single ".", "_", "+" or "-" (an RPM package name, which the RPM requires), with {python} for X.Y, at most ${MAX_VALUE_LENGTH} characters, for example "phoreus-python-{python}"`;
  }
  return undefined;
}

/** An absolute, normalised path of plain segments: safe in a spec macro, a shell word and a bind mount. */
export function judgePath(value: string): Judgement {
  const segments = value.split('/').slice(1);
  const normalised = value.startsWith('/') && segments.length > 0 && segments.every((s) => PATH_SEGMENT.test(s));
  if (!normalised || value.length > MAX_PATH_LENGTH) {
    return 'use an absolute, normalised path of letters, digits, ".", "_", "+" and "-" (no "..", "//", trailing "/", spaces or quotes)';
  }
  return undefined;
}

/** An interpreter home: such a path, or a pattern of one with {python}. */
export function judgeHome(value: string): Judgement {
  const wrong = judgePath(value.split('{python}').join('3.11'));
  return wrong ? `${wrong}, with {python} for X.Y, for example "${DEFAULT_INTERPRETER_HOME}"` : undefined;
}

/**
 * A module environment value: Lmod writes it into the user's shell as code, and a newline or
 * another control character breaks out of its quoting.
 */
export function judgeEnvValue(value: string): Judgement {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  return /[\x00-\x1f\x7f]/.test(value) ? 'an environment value holds no control characters' : undefined;
}

export function judgeToolName(value: string): Judgement {
  if (value.length <= MAX_VALUE_LENGTH && TOOL_NAME.test(value)) return undefined;
  return `use lower-case letters and digits joined by single ".", "_", "+" or "-", at most ${MAX_VALUE_LENGTH} characters`;
}

export function judgeToolVersion(value: string): Judgement {
  if (value.length <= MAX_VALUE_LENGTH && TOOL_VERSION.test(value)) return undefined;
  return `use digits and letters joined by single ".", "_", "+" or "~" (no "-"), starting with a digit, at most ${MAX_VALUE_LENGTH} characters`;
}

/** A value that failed its grammar: the programming error of a caller that skipped validation. */
export class UnsafeValue extends Error {
  override name = 'UnsafeValue';
}

/** Throws when a value that must already have been validated is not safe: the spec is never rendered with one. */
export function assertSafe(what: string, value: string, judge: (value: string) => Judgement): string {
  const wrong = judge(value);
  if (wrong) throw new UnsafeValue(`${what} "${shown(value)}" is not safe: ${wrong}`);
  return value;
}
