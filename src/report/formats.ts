/** Renderings of a verification: plain text for people, JSON for scripts, SARIF 2.1.0 for code scanning. Pure. */
import { countBySeverity, type Finding } from '../core/finding.js';
import { RULES, type RuleId } from '../core/rules.js';
import { RULES_URL, TOOL_NAME, TOOL_URL, TOOL_VERSION } from '../core/about.js';
import { outward } from '../core/outward.js';

/** The Python tool a report is about (the one packaged, or to be), as opposed to this tool, which made the report. */
export interface PackagedTool {
  name: string;
  version?: string;
}

export interface ReportSubject {
  mode: string;
  project: string;
  interpreter?: string;
  packagedTool?: PackagedTool;
  [key: string]: unknown;
}

/** Who made a report: this tool, by name and version, never to be confused with the packaged tool. */
export const GENERATOR = { name: TOOL_NAME, version: TOOL_VERSION } as const;

const nameAndVersion = (tool: PackagedTool): string => (tool.version ? `${tool.name} ${tool.version}` : tool.name);

/** A finding as one line of text; a waived one says so, with its reason and the waiver's place. */
export function findingLine(f: Finding): string {
  const waived = f.waived ? ` [waived by ${f.waived.by}: ${f.waived.reason}]` : '';
  return `${f.file}:${f.line}: ${f.waived ? 'waived ' : ''}${f.severity} ${f.rule}: ${f.message}${waived}`;
}

export function renderText(subject: ReportSubject, findings: readonly Finding[]): string {
  const lines = findings.map(findingLine);
  const { errors, warnings, waived } = countBySeverity(findings);
  lines.push(`${subject.mode}: ${errors} error(s), ${warnings} warning(s)${waived ? `, ${waived} waived` : ''}${subject.interpreter ? ` for Python ${subject.interpreter}` : ''} in ${subject.project}`);
  if (subject.packagedTool) lines.push(`packaged tool: ${nameAndVersion(subject.packagedTool)}`);
  lines.push(`generator: ${nameAndVersion(GENERATOR)}`);
  return outward(`${lines.join('\n')}\n`);
}

export function renderJson(subject: ReportSubject, findings: readonly Finding[]): string {
  return outward(`${JSON.stringify({ generator: GENERATOR, ...subject, summary: countBySeverity(findings), findings }, null, 2)}\n`);
}

/**
 * SARIF 2.1.0 as GitHub code scanning reads it: one run, the rule catalogue in the driver,
 * results with a repository-relative URI (uriPrefix places project files in the repository),
 * the packaged tool, when known, in the run's property bag.
 */
export function renderSarif(findings: readonly Finding[], uriPrefix = '', packagedTool?: PackagedTool): string {
  const used = [...new Set(findings.map((f) => f.rule))].sort() as RuleId[];
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          // The driver is this tool only; the packaged tool is in the run's properties.
          driver: {
            name: TOOL_NAME,
            version: TOOL_VERSION,
            semanticVersion: TOOL_VERSION,
            informationUri: TOOL_URL,
            rules: used.map((id) => ({
              id,
              name: RULES[id].title.replace(/(^|\W+)(\w)/g, (_m, _s, c: string) => c.toUpperCase()),
              shortDescription: { text: RULES[id].title },
              fullDescription: { text: `${RULES[id].title} (Phoreus Python Packaging Charter ${RULES[id].charter})` },
              helpUri: `${RULES_URL}#${id.toLowerCase()}`,
              defaultConfiguration: { level: RULES[id].severity },
              properties: { tags: ['phoreus', 'packaging'], precision: 'very-high' },
            })),
          },
        },
        ...(packagedTool ? { properties: { packagedTool } } : {}),
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: used.indexOf(f.rule),
          level: f.severity,
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: joinUri(uriPrefix, f.file) },
                region: { startLine: f.line },
              },
            },
          ],
          partialFingerprints: { primaryLocationLineHash: `${f.rule}:${joinUri(uriPrefix, f.file)}:${f.line}` },
          // SARIF's own form of an accepted finding: still a result, suppressed with its justification.
          ...(f.waived ? { suppressions: [{ kind: 'external', status: 'accepted', justification: `${f.waived.reason} (${f.waived.by})` }] } : {}),
        })),
      },
    ],
  };
  return outward(`${JSON.stringify(sarif, null, 2)}\n`);
}

function joinUri(prefix: string, file: string): string {
  const clean = file === '.' ? '' : file;
  if (!prefix || prefix === '.') return clean || '.';
  return clean ? `${prefix.replace(/\/+$/, '')}/${clean}` : prefix;
}
