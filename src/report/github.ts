/** Findings on a runner: annotations on their files and lines, and a table in the job summary. */
import * as core from '@actions/core';
import { countBySeverity, type Finding } from '../core/finding.js';
import { RULES } from '../core/rules.js';
import { GENERATOR } from './formats.js';
import { outward } from '../core/outward.js';

/**
 * Path of a project file as the repository sees it, for annotations; none for "." (an input)
 * or an absolute path (a file inside an RPM), which the message names instead.
 */
export function repositoryPath(prefix: string, file: string): string | undefined {
  if (file === '.' || file.startsWith('/')) return undefined;
  return prefix && prefix !== '.' ? `${prefix.replace(/\/+$/, '')}/${file}` : file;
}

export function annotate(findings: readonly Finding[], prefix: string): void {
  for (const f of findings) {
    const file = repositoryPath(prefix, f.file);
    const properties: core.AnnotationProperties = { title: `${f.rule} ${RULES[f.rule].title}`, startLine: f.line, ...(file ? { file } : {}) };
    const located = file || f.file === '.' ? f.message : `${f.file}: ${f.message}`;
    const message = f.waived ? `${located} [waived by ${f.waived.by}: ${f.waived.reason}]` : located;
    // A waived finding fails nothing: a notice, never an error or a warning.
    if (f.waived) core.notice(message, properties);
    else if (f.severity === 'error') core.error(message, properties);
    else core.warning(message, properties);
  }
}

/**
 * Appends a table of facts and findings to the job summary. A runner without a writable
 * GITHUB_STEP_SUMMARY (a self-hosted runner's old version, a local run) loses only the summary:
 * a warning, never a failure of the step.
 */
export async function writeSummary(title: string, findings: readonly Finding[], facts: Array<[string, string]>): Promise<void> {
  const { errors, warnings, waived } = countBySeverity(findings);
  const summary = core.summary.addHeading(title, 2).addTable([
    [{ data: 'Item', header: true }, { data: 'Value', header: true }],
    ...facts.map(([k, v]) => [cell(k), cell(v)]),
    ['Generator', cell(`${GENERATOR.name} ${GENERATOR.version}`)],
  ]);
  summary.addRaw(`<p><strong>${errors}</strong> error(s), <strong>${warnings}</strong> warning(s)${waived ? `, <strong>${waived}</strong> waived` : ''}</p>`, true);
  if (findings.length > 0) {
    summary.addTable([
      [{ data: 'Rule', header: true }, { data: 'Severity', header: true }, { data: 'File', header: true }, { data: 'Line', header: true }, { data: 'Message', header: true }],
      ...findings.map((f) => [f.rule, f.waived ? `${f.severity}, waived` : f.severity, cell(f.file), String(f.line), cell(f.waived ? `${f.message} — waived by ${f.waived.by}: ${f.waived.reason}` : f.message)]),
    ]);
  }
  try {
    await summary.write();
  } catch (error) {
    summary.emptyBuffer();
    core.warning(`no job summary: ${(error as Error).message}`);
  }
}

/** A table cell of the summary, which GitHub renders as HTML: its text shown, never interpreted. */
function cell(text: string): string {
  return outward(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
