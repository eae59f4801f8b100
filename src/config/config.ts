/**
 * phoreus.yaml: one shared configuration, and per-interpreter overrides under `interpreters:`
 * that win over it key by key (lists are replaced, not appended). Parsing is pure: the caller reads the file.
 */
import { LineCounter, parseDocument } from 'yaml';
import { finding, type Finding } from '../core/finding.js';
import type { RuleId } from '../core/rules.js';
import { judgeWaiverPath, MAX_REASON_LENGTH, refuseWaivedRule, type Waiver } from '../core/waivers.js';
import { INTERPRETER, judgeEnvValue, judgeHome, judgeModule, judgeRelease } from '../inputs/values.js';
import { validate, type LineIndex, type Schema } from './schema.js';

export const DEFAULT_SANCTIONED = ['3.10', '3.11'];

const str: Schema = { type: 'string' };
const strings: Schema = { type: 'list', items: str };
const url: Schema = { type: 'string', pattern: /^(https?|file):\/\/\S+$/, hint: 'is not an http(s):// or file:// URL' };
const interpreterList: Schema = { type: 'list', items: { type: 'string', pattern: INTERPRETER, hint: 'is not an interpreter version of the form 3.X (quote it: "3.10")' } };

/** Phoreus builds for Linux only; the seed's macOS and Windows keys have no meaning here. */
export const PLATFORM_KEYS = ['linux-x64', 'linux-aarch64'];
const PLATFORM: { pattern: RegExp; hint: string } = { pattern: /^linux-(x64|aarch64)$/, hint: `is not a Phoreus platform key (${PLATFORM_KEYS.join(', ')})` };
const reason: Schema = { type: 'string', missing: 'needs a reason: say why this package is an exception on this platform' };
const exceptions: Schema = {
  type: 'map',
  keys: { pattern: /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/, hint: 'is not a package name' },
  values: { type: 'map', keys: PLATFORM, values: reason },
};
const copyFile: Schema = { type: 'object', fields: { from: str, to: str }, required: ['from', 'to'] };
const waiver: Schema = {
  type: 'object',
  required: ['rule', 'path', 'reason'],
  fields: {
    rule: { type: 'string', refuse: refuseWaivedRule },
    path: { type: 'string', missing: 'needs a glob of the waived files, relative to the venv', refuse: judgeWaiverPath },
    reason: {
      type: 'string',
      missing: 'needs a reason: say why the finding is accepted (it is shown in every report and in the RPM\'s description)',
      // eslint-disable-next-line no-control-regex -- control characters are what is refused
      refuse: (v) => (v.length > MAX_REASON_LENGTH || /[\x00-\x1f\x7f]/.test(v.trim()) ? `must be one line of at most ${MAX_REASON_LENGTH} characters` : undefined),
    },
  },
};

/** Keys that may be set at the top level and overridden per interpreter. */
const overridable: Record<string, Schema> = {
  tool: {
    type: 'object',
    fields: { name: str, version: str, summary: str, license: str, url: { type: 'string', pattern: /^https?:\/\/\S+$/, hint: 'is not an http(s):// URL (RPM\'s URL tag takes one word)' }, release: { type: 'scalar', judge: judgeRelease } },
  },
  requirements: { type: 'string', hint: 'must be a path inside the project' },
  lock: { type: 'string', hint: 'must be a path inside the project' },
  registries: {
    type: 'object',
    fields: { 'index-url': url, 'extra-index-urls': { type: 'list', items: url }, 'find-links': strings },
  },
  module: {
    type: 'object',
    fields: {
      whatis: strings,
      help: str,
      env: {
        type: 'map',
        keys: { pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, hint: 'is not an environment variable name' },
        values: { type: 'scalar', judge: judgeEnvValue },
      },
    },
  },
  packages: {
    type: 'object',
    fields: {
      skip: exceptions,
      forceSource: exceptions,
      platformSpecific: { type: 'map', keys: PLATFORM, values: { type: 'object', fields: { copyFiles: { type: 'list', items: copyFile } } } },
    },
  },
  audit: { type: 'object', fields: { waive: { type: 'list', items: waiver } } },
};

export const CONFIG_SCHEMA: Schema = {
  type: 'object',
  fields: {
    ...overridable,
    policy: {
      type: 'object',
      fields: { interpreters: interpreterList, 'interpreter-home': { type: 'string', judge: judgeHome }, 'interpreter-module': { type: 'string', judge: judgeModule }, distros: strings },
    },
    interpreters: {
      type: 'map',
      keys: { pattern: INTERPRETER, hint: 'is not an interpreter version of the form 3.X (quote it: "3.10")' },
      values: { type: 'object', fields: overridable },
    },
  },
};

export interface ToolSettings {
  name?: string;
  version?: string;
  summary?: string;
  license?: string;
  url?: string;
  release?: string;
}

/** The configuration in force for one interpreter, after merging. */
export interface CopyFile {
  from: string;
  to: string;
}

/** Package name → platform key → reason. */
export type Exceptions = Record<string, Record<string, string>>;

export interface EffectiveConfig {
  tool: ToolSettings;
  requirements?: string;
  lock?: string;
  registries: { 'index-url'?: string; 'extra-index-urls'?: string[]; 'find-links'?: string[] };
  policy: { interpreters: string[]; 'interpreter-home'?: string; 'interpreter-module'?: string; distros?: string[] };
  module: { whatis?: string[]; help?: string; env?: Record<string, string> };
  packages: { skip?: Exceptions; forceSource?: Exceptions; platformSpecific?: Record<string, { copyFiles?: CopyFile[] }> };
  /** The audit waivers in force, each with the line it is written at. */
  waivers: Waiver[];
}

export interface LoadedConfig {
  /** Path relative to the project (or as given), for findings. */
  file: string;
  raw: Record<string, unknown>;
  index: LineIndex;
  findings: Finding[];
}

export function parseConfig(file: string, text: string): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const findings: Finding[] = [];
  for (const error of doc.errors) {
    const line = lines.linePos(error.pos[0]).line;
    findings.push(finding('PH113', file, line, `${file} is not valid YAML: ${error.message.split('\n')[0]}; fix the syntax`));
  }
  if (findings.length > 0) return { file, raw: {}, index: new Map(), findings };
  if (doc.contents === null) return { file, raw: {}, index: new Map(), findings };

  const { errors, index } = validate(doc.contents, CONFIG_SCHEMA, lines);
  for (const error of errors) findings.push(finding('PH113', file, error.line, `${error.message}; fix ${file}`));
  const raw = findings.length === 0 ? (doc.toJS() as Record<string, unknown>) ?? {} : {};
  return { file, raw, index, findings };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge: mappings merge key by key, anything else (lists included) is replaced by the override. */
export function mergeOverride(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isRecord(current) && isRecord(value) ? mergeOverride(current, value) : value;
  }
  return out;
}

/** The configuration for one interpreter: shared keys, then that interpreter's override. */
export function effectiveConfig(loaded: Pick<LoadedConfig, 'raw'> & Partial<Pick<LoadedConfig, 'file' | 'index'>>, interpreter: string): EffectiveConfig {
  const { interpreters, ...shared } = loaded.raw;
  const override = isRecord(interpreters) && isRecord(interpreters[interpreter]) ? interpreters[interpreter] : {};
  const merged = mergeOverride(shared, override);
  const tool = isRecord(merged.tool) ? merged.tool : {};
  const policy = isRecord(merged.policy) ? merged.policy : {};
  return {
    tool: Object.fromEntries(Object.entries(tool).map(([k, v]) => [k, String(v)])) as ToolSettings,
    ...(typeof merged.requirements === 'string' ? { requirements: merged.requirements } : {}),
    ...(typeof merged.lock === 'string' ? { lock: merged.lock } : {}),
    registries: isRecord(merged.registries) ? (merged.registries as EffectiveConfig['registries']) : {},
    policy: { ...(policy as EffectiveConfig['policy']), interpreters: (policy.interpreters as string[] | undefined) ?? DEFAULT_SANCTIONED },
    module: isRecord(merged.module)
      ? { ...(merged.module as EffectiveConfig['module']), ...(isRecord(merged.module.env) ? { env: Object.fromEntries(Object.entries(merged.module.env).map(([k, v]) => [k, String(v)])) } : {}) }
      : {},
    packages: isRecord(merged.packages) ? (merged.packages as EffectiveConfig['packages']) : {},
    waivers: waiversOf(loaded, interpreter),
  };
}

/**
 * The waivers for one interpreter: its override's list when it has one (a list replaces the
 * shared one, as everywhere), else the shared list; each with its line in the file.
 */
function waiversOf(loaded: Pick<LoadedConfig, 'raw'> & Partial<Pick<LoadedConfig, 'file' | 'index'>>, interpreter: string): Waiver[] {
  const listAt = (raw: unknown): unknown => (isRecord(raw) && isRecord(raw.audit) ? raw.audit.waive : undefined);
  const { interpreters } = loaded.raw;
  const override = isRecord(interpreters) ? listAt(interpreters[interpreter]) : undefined;
  const [key, list] = override !== undefined ? [`interpreters.${interpreter}.audit.waive`, override] : ['audit.waive', listAt(loaded.raw)];
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((entry, i) => ({
    rule: String(entry.rule) as RuleId,
    path: String(entry.path),
    reason: String(entry.reason).trim(),
    file: loaded.file ?? 'phoreus.yaml',
    line: loaded.index?.get(`${key}[${i}]`) ?? 1,
  }));
}

/** The exceptions of one kind that apply to a platform: package name → reason. */
export function exceptionsFor(exceptions: Exceptions | undefined, platform: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, platforms] of Object.entries(exceptions ?? {})) {
    const reason = platforms[platform];
    if (reason) out.set(name, reason);
  }
  return out;
}

/** PH204 for module environment variables that would change how Python finds modules. */
export function checkModuleEnv(loaded: LoadedConfig): Finding[] {
  const findings: Finding[] = [];
  const visit = (env: unknown, path: string): void => {
    if (!isRecord(env)) return;
    for (const [name, value] of Object.entries(env)) {
      if (/^PYTHON/i.test(name) || /site-packages/.test(String(value))) {
        findings.push(finding('PH204', loaded.file, loaded.index.get(`${path}.${name}`) ?? 1, `${path}.${name}: the modulefile may not set ${name}${/^PYTHON/i.test(name) ? '' : ' to a site-packages path'}: a Phoreus module activates its venv through VIRTUAL_ENV and PATH only (charter §9); remove it`));
      }
    }
  };
  visit(isRecord(loaded.raw.module) ? loaded.raw.module.env : undefined, 'module.env');
  const interpreters = loaded.raw.interpreters;
  if (isRecord(interpreters)) {
    for (const [key, override] of Object.entries(interpreters)) {
      if (isRecord(override) && isRecord(override.module)) visit(override.module.env, `interpreters.${key}.module.env`);
    }
  }
  return findings;
}

/** PH201 for overrides of interpreters the policy does not sanction. */
export function checkOverrideKeys(loaded: LoadedConfig): Finding[] {
  const { interpreters } = loaded.raw;
  if (!isRecord(interpreters)) return [];
  const sanctioned = effectiveConfig(loaded, '').policy.interpreters;
  return Object.keys(interpreters)
    .filter((key) => !sanctioned.includes(key))
    .map((key) =>
      finding('PH201', loaded.file, loaded.index.get(`interpreters.${key}`) ?? 1, `interpreters."${key}" overrides an interpreter that is not sanctioned (sanctioned: ${sanctioned.join(', ')}); add it to policy.interpreters or remove the override`),
    );
}
