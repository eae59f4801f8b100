import { outward } from './outward.js';
import { RULES, type RuleId } from './rules.js';

export type Severity = 'error' | 'warning';

/** One thing wrong with the input, located at a 1-based line of a file relative to the project. */
export interface Finding {
  rule: RuleId;
  severity: Severity;
  file: string;
  line: number;
  message: string;
  /**
   * Set when an `audit.waive` entry of the configuration covers the finding: it is still
   * reported everywhere, with the reason, but does not fail anything.
   */
  waived?: Waived;
}

export interface Waived {
  reason: string;
  /** The configuration entry that waives it: "phoreus.yaml:14". */
  by: string;
}

/** Longer messages are cut: a finding quotes its input in short excerpts, never at length. */
const MAX_MESSAGE = 1000;

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

/**
 * Builds a finding with the severity the catalogue gives the rule. Its file and message may
 * quote untrusted input: both leave here masked, printable and short.
 */
export function finding(rule: RuleId, file: string, line: number, message: string): Finding {
  return { rule, severity: RULES[rule].severity, file: cut(outward(file), 300), line: Math.max(1, line), message: cut(outward(message), MAX_MESSAGE) };
}

/** Errors and warnings that count; waived findings, whatever their severity, are counted apart and fail nothing. */
export function countBySeverity(findings: readonly Finding[]): { errors: number; warnings: number; waived: number } {
  let errors = 0;
  let warnings = 0;
  let waived = 0;
  for (const f of findings) {
    if (f.waived) waived++;
    else if (f.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings, waived };
}

/** Stable order: by file, then line, then rule, so reports diff cleanly between runs. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule),
  );
}
