/**
 * PH108: re-running pip-compile (same options as the header records, same Python minor)
 * must give the same pins and hashes. This module holds the pure parts: which arguments to
 * re-run with, and how two locks differ.
 */
import { finding, type Finding } from '../core/finding.js';
import { appliesTo, exactPin } from './lockfile.js';
import type { MarkerEnvironment } from '../requirements/markers.js';
import { normalizeName } from '../requirements/pep508.js';
import { requirementEntries, type RequirementsFile } from '../requirements/parse.js';

/** pip-compile options that take a separate value word. */
const WITH_VALUE = new Set([
  '-o', '--output-file', '-P', '--upgrade-package', '-i', '--index-url', '--extra-index-url', '-f', '--find-links',
  '--cert', '--client-cert', '--trusted-host', '--cache-dir', '--pip-args', '--extra', '-c', '--constraint',
  '--build-deps-for', '--max-rounds', '--resolver', '--annotation-style', '--unsafe-package', '--config',
  '--newline', '--src-dir',
]);
/** Options that say where output goes or how chatty to be: replaced or dropped on a re-run. */
const DROPPED = new Set(['-o', '--output-file', '-U', '--upgrade', '-P', '--upgrade-package', '--dry-run', '-n', '-v', '--verbose', '-q', '--quiet', '--cache-dir', '--rebuild', '-r', '--config', '--no-config']);

export interface RerunArguments {
  options: string[];
  sources: string[];
}

/** Splits the recorded arguments into options to keep and source files. */
export function rerunArguments(recorded: readonly string[]): RerunArguments {
  const options: string[] = [];
  const sources: string[] = [];
  for (let i = 0; i < recorded.length; i++) {
    const word = recorded[i] ?? '';
    if (!word.startsWith('-') || word === '-') {
      sources.push(word);
      continue;
    }
    const name = word.includes('=') ? word.slice(0, word.indexOf('=')) : word;
    const value = !word.includes('=') && WITH_VALUE.has(name) ? recorded[++i] : undefined;
    if (DROPPED.has(name)) continue;
    options.push(word);
    if (value !== undefined) options.push(value);
  }
  return { options, sources };
}

/**
 * The committed pins without their hashes, to seed pip-compile's output file: pip-compile
 * keeps existing pins (as a maintainer's re-run would), but it would also check downloads
 * against the lock's hashes and fail instead of reporting them.
 */
export function seedLock(file: RequirementsFile): string {
  const lines: string[] = [];
  for (const entry of requirementEntries(file)) {
    const pin = exactPin(entry);
    const req = entry.requirement;
    if (!req || pin === undefined) continue;
    const operator = req.specifier[0]?.operator === '===' ? '===' : '==';
    lines.push(`${req.name}${operator}${pin}${req.marker ? ` ; ${req.marker}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

interface Pin {
  version: string;
  hashes: Set<string>;
  line: number;
  name: string;
}

function pins(file: RequirementsFile, env: MarkerEnvironment): Map<string, Pin> {
  const out = new Map<string, Pin>();
  for (const entry of requirementEntries(file)) {
    const name = entry.requirement?.name;
    if (!name || !appliesTo(entry, env)) continue;
    const key = normalizeName(name);
    if (out.has(key)) continue;
    const hashes = new Set(entry.hashes.map((h) => `${h.algorithm}:${h.digest.toLowerCase()}`));
    out.set(key, { version: exactPin(entry) ?? entry.text, hashes, line: entry.line, name });
  }
  return out;
}

function shortHashes(hashes: readonly string[]): string {
  const shown = hashes.slice(0, 3).map((h) => `${h.slice(0, 19)}…`).join(', ');
  return hashes.length > 3 ? `${shown} and ${hashes.length - 3} more` : shown;
}

/** Differences between the committed lock and a fresh pip-compile result, at the committed lock's lines. */
export function compareLocks(lockName: string, committed: RequirementsFile, fresh: RequirementsFile, env: MarkerEnvironment, headerLine: number, regenerate: string): Finding[] {
  const findings: Finding[] = [];
  const before = pins(committed, env);
  const after = pins(fresh, env);
  const fix = `regenerate the lock with \`${regenerate}\` and review the change`;
  for (const [key, pin] of before) {
    const now = after.get(key);
    if (!now) {
      findings.push(finding('PH108', lockName, pin.line, `pip-compile no longer pins ${pin.name} (nothing in the requirements needs it); ${fix}`));
      continue;
    }
    if (now.version !== pin.version) {
      findings.push(finding('PH108', lockName, pin.line, `${pin.name} is pinned to ${pin.version} but pip-compile gives ${now.version}; ${fix}`));
      continue;
    }
    const missing = [...now.hashes].filter((h) => !pin.hashes.has(h));
    const unknown = [...pin.hashes].filter((h) => !now.hashes.has(h));
    if (unknown.length > 0) {
      findings.push(finding('PH108', lockName, pin.line, `${pin.name}==${pin.version} has hashes the index no longer serves (${shortHashes(unknown)}): a file was replaced or removed upstream; investigate before trusting it, then ${fix}`));
    } else if (missing.length > 0) {
      findings.push(finding('PH108', lockName, pin.line, `${pin.name}==${pin.version} lacks hashes of files the index now serves (${shortHashes(missing)}); ${fix}`));
    }
  }
  for (const [key, pin] of after) {
    if (!before.has(key)) {
      findings.push(finding('PH108', lockName, headerLine, `pip-compile adds ${pin.name}==${pin.version}, which the lock lacks; ${fix}`));
    }
  }
  return findings;
}
