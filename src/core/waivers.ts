/**
 * Audit waivers (`audit.waive` in phoreus.yaml): a rule, a glob of payload files relative to
 * the venv, and the reason a release engineer accepts the finding. A waived finding is never
 * dropped: it stays in every report, marked with its reason, and only stops failing the
 * gate. A waiver that covers nothing is itself a finding (PH319). Only the rules the
 * catalogue marks waivable may be waived. Pure.
 */
import { finding, type Finding } from './finding.js';
import { RULES, RULE_IDS, WAIVABLE_RULES, type RuleId } from './rules.js';

export interface Waiver {
  rule: RuleId;
  /** Glob relative to the venv: `*` and `?` within a path segment, `**` across segments. */
  path: string;
  reason: string;
  /** Where the waiver is written, for findings about it. */
  file: string;
  line: number;
}

export const MAX_GLOB_LENGTH = 512;
export const MAX_REASON_LENGTH = 500;

/** What is wrong with a rule id as a waiver's rule, as the end of "<key>: "PH302" …"; undefined when it may be waived. */
export function refuseWaivedRule(rule: string): string | undefined {
  const waivable = `waivable rules: ${WAIVABLE_RULES.join(', ')}`;
  if (!(RULE_IDS as readonly string[]).includes(rule)) return `is not a rule of docs/rules.md; ${waivable}`;
  const id = rule as RuleId;
  if ((WAIVABLE_RULES as readonly string[]).includes(id)) return undefined;
  if (/^PH[124]/.test(id)) return `cannot be waived: it judges the project, the lock or the release, not payload files; ${waivable}`;
  return `cannot be waived: a waiver of "${RULES[id].title}" would defeat the charter (${RULES[id].charter}); fix what it finds; ${waivable}`;
}

/** What is wrong with a waiver's glob, or undefined: relative to the venv, printable, plain segments, and naming something. */
export function judgeWaiverPath(glob: string): string | undefined {
  if (glob.length > MAX_GLOB_LENGTH) return `is longer than ${MAX_GLOB_LENGTH} characters`;
  if (!/^[\x20-\x7e]+$/.test(glob) || glob.trim() !== glob) return 'must be printable ASCII without leading or trailing spaces';
  if (glob.startsWith('/')) return 'is absolute: give a glob relative to the venv, such as lib/python3.*/site-packages/pkg/bin/arm64/*';
  if (/[\\[\]{}]/.test(glob)) return 'holds a backslash, brackets or braces: only *, ** and ? are wildcards here';
  const segments = glob.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'has an empty, "." or ".." segment: give a plain path inside the venv';
  if (segments.every((s) => /^[*?]+$/.test(s))) return 'is wildcards alone, which would waive the rule for the whole venv: name the directory or files';
  return undefined;
}

/** The glob as an anchored expression: `*` and `?` stay within a segment, `**` spans segments (`**\/` also none). */
export function globPattern(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        source += '(?:[^/]*/)*';
      } else {
        source += '.*';
      }
    } else if (c === '*') {
      source += '[^/]*';
    } else if (c === '?') {
      source += '[^/]';
    } else {
      source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** The waivers of one audit, for the venv at `root`: which covers a finding, and which covered none. */
export class WaiverSet {
  private readonly used = new Set<Waiver>();
  private readonly patterns: Array<{ waiver: Waiver; pattern: RegExp }>;

  constructor(waivers: readonly Waiver[], private readonly root: string) {
    this.patterns = waivers.map((waiver) => ({ waiver, pattern: globPattern(waiver.path) }));
  }

  /** The waiver that covers a finding of this rule on this payload path, if any. */
  covering(rule: RuleId, path: string): Waiver | undefined {
    if (!path.startsWith(`${this.root}/`)) return undefined;
    const relative = path.slice(this.root.length + 1);
    return this.patterns.find((p) => p.waiver.rule === rule && p.pattern.test(relative))?.waiver;
  }

  /** The finding, marked waived when a waiver covers it. */
  apply(f: Finding): Finding {
    const waiver = this.covering(f.rule, f.file);
    if (!waiver) return f;
    this.used.add(waiver);
    return { ...f, waived: { reason: waiver.reason, by: `${waiver.file}:${waiver.line}` } };
  }

  /** PH319 for each waiver that covered no finding. */
  unmatched(): Finding[] {
    return this.patterns
      .filter((p) => !this.used.has(p.waiver))
      .map(({ waiver }) => finding('PH319', waiver.file, waiver.line, `the waiver of ${waiver.rule} for ${waiver.path} matches no finding in this RPM: the file is gone, the glob is wrong, or the finding is fixed; correct the glob or remove the waiver`));
  }
}

/** A waived finding as one line, "PH309 lib/…/cbc: reason", its path relative to the venv (a count of more: its message). */
export function waivedLine(f: Finding, root: string): string {
  return f.file.startsWith(`${root}/`) ? `${f.rule} ${f.file.slice(root.length + 1)}: ${f.waived?.reason ?? ''}` : `${f.rule}: ${f.message}`;
}

/** The waived findings, one line each, in the order given. */
export function waivedLines(findings: readonly Finding[], root: string): string[] {
  return findings.filter((f) => f.waived).map((f) => waivedLine(f, root));
}

/** Most waived findings an RPM's description lists one by one; the build report lists them all. */
export const DESCRIBED_WAIVERS = 50;

/** Paragraphs of an RPM's %description naming what the audit waived, and why (the spec escapes them). */
export function waivedParagraphs(lines: readonly string[]): string[] {
  if (lines.length === 0) return [];
  const shown = lines.slice(0, DESCRIBED_WAIVERS);
  const more = lines.length - shown.length;
  return [
    'Audit findings waived by audit.waive in phoreus.yaml, each with its reason:',
    ...shown.map((line) => `- ${line}`),
    ...(more > 0 ? [`- and ${more} more, listed in the build report`] : []),
  ];
}
