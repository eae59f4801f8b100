/**
 * Text on its way out of the process: whatever untrusted input it quotes (YAML keys, lock
 * lines, file names from an RPM, pip's output) must not drive the terminal, the runner or a
 * reader. Pure.
 */
import { redact } from './redact.js';

/**
 * C0 and C1 control characters (a terminal's escape sequences start with ESC or CSI) and
 * the bidirectional overrides that make text read differently from what it is; tab and
 * newline stay.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const UNPRINTABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, '');
}

/** What any text becomes before it is shown or written: credentials masked, control characters gone. */
export function outward(text: string): string {
  return printable(redact(text));
}

/**
 * Text a runner reads from stdout with the workflow commands left inert: "::name::" at the
 * start of a line (after blanks, as the runner trims them) and the older "##[name]" anywhere
 * are split by a zero-width space, so they show as typed and command nothing.
 */
export function inertForRunner(text: string): string {
  return text.replace(/^(\s*):(?=:)/gm, '$1:\u200b').replace(/##\[/g, '##\u200b[');
}

/** Shows a value inside a message without letting control characters or length through. */
export function shown(value: string, max = 80): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}
