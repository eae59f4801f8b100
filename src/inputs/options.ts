/**
 * What a run is asked to do, whichever front end (action inputs or CLI flags) asked: the
 * user's inputs only; the services a build is given are BuildServices (src/pipeline/steps.ts).
 */
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { INTERPRETER, judgeHome, judgeModule, judgeRelease, type Judgement } from './values.js';
import { shown } from '../core/outward.js';

export const FORMATS = ['text', 'json', 'sarif'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export interface VerifyOptions {
  /** Absolute path of the project directory. */
  project: string;
  /** Target interpreter X.Y; when absent, taken from the lock header or the policy. */
  interpreter?: string;
  offline: boolean;
  /** Configuration file; when absent, phoreus.yaml in the project if it exists. */
  config?: string;
  tool?: string;
  version?: string;
  indexUrl?: string;
  extraIndexUrls: string[];
  /** Path of the Python to run pip-compile with; otherwise found by version. */
  python?: string;
}

export interface BuildOptions extends VerifyOptions {
  distro: string;
  /** x86_64 or aarch64; the runner's own when absent. */
  arch?: string;
  release?: string;
  /** Output directory for the RPM, SRPM, modulefile and report. */
  out: string;
  findLinks: string[];
  /** Pattern of the target interpreter's home, with {python}. */
  interpreterHome?: string;
  /** Pattern of the interpreter module's name, with {python}. */
  interpreterModule?: string;
  /** Also build the meta default package phoreus-<tool>. */
  meta: boolean;
  /** GITHUB_REF_NAME: a v-prefixed tag gives the version. */
  refName?: string;
  /** Smoke-test the built RPM (PH314), with this command or the default one. */
  smokeTest?: { command?: string };
  /** A published RPM repository: the build refuses a version and release already there (PH401). */
  publishedRepo?: string;
  /** Also log the configuration in force (the report and the SRPM always hold it). */
  verbose?: boolean;
  /** Sign the audited RPM and SRPM with this ASCII-armoured secret key; `source` names where it came from. */
  signing?: SigningKey;
}

export interface SigningKey {
  key: string;
  passphrase?: string;
  /** Where the key came from, as messages name it ("--sign-key FILE", "the signing-key input"). */
  source: string;
}

export function parseFormat(value: string): OutputFormat {
  if ((FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(`format "${value}" is not one of ${FORMATS.join(', ')}`);
}

export function parseInterpreter(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!INTERPRETER.test(value)) throw new UsageError(`interpreter "${shown(value)}" is not of the form 3.X (for example 3.11)`);
  return value;
}

export function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(true|yes|1|on)$/i.test(value)) return true;
  if (/^(false|no|0|off)$/i.test(value)) return false;
  throw new UsageError(`${name} must be true or false, not "${shown(value)}"`);
}

/**
 * The values of a run that reach the spec, shell lines, Lmod and paths, checked against their
 * grammar before anything else happens; each refusal names the flag and the input.
 */
export function checkValues(options: { release?: string; interpreterHome?: string; interpreterModule?: string }): void {
  const check = (value: string | undefined, flag: string, judge: (v: string) => Judgement): void => {
    const wrong = value === undefined ? undefined : judge(value);
    if (wrong) throw new UsageError(`${flag} "${shown(value ?? '')}" is not safe: ${wrong}`);
  };
  check(options.release, 'release (--release, the release input)', judgeRelease);
  check(options.interpreterHome, 'interpreter home (--interpreter-home, the interpreter-home input)', judgeHome);
  check(options.interpreterModule, 'interpreter module (--interpreter-module, the interpreter-module input)', judgeModule);
}

/** Splits a list input given one per line or comma-separated. */
export function parseList(value: string | undefined): string[] {
  return (value ?? '').split(/[\n,]/).map((v) => v.trim()).filter((v) => v !== '');
}

export function absolutePath(path: string, base = process.cwd()): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

/** `{ key: value }` when the value is given, `{}` otherwise: keeps absent options absent. */
export function optional<K extends string, V>(key: K, value: V | undefined | ''): { [P in K]?: V } {
  return value === undefined || value === '' ? {} : ({ [key]: value } as { [P in K]?: V });
}
