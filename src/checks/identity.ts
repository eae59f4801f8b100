/** PH201 and PH207: the interpreter is sanctioned; the tool name and version are safe everywhere they go. Pure. */
import { judgeToolName, judgeToolVersion, MAX_VALUE_LENGTH, TOOL_NAME } from '../inputs/values.js';
import { finding, type Finding } from '../core/finding.js';
import { shown } from '../core/outward.js';

export interface IdentitySource {
  /** Where the value came from, for the finding: a file relative to the project and its line. */
  file: string;
  line: number;
}

export function checkToolName(name: string, source: IdentitySource): Finding[] {
  const wrong = judgeToolName(name);
  if (!wrong) return [];
  const suggestion = name.toLowerCase().replace(/[^a-z0-9._+-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '').slice(0, MAX_VALUE_LENGTH);
  const hint = suggestion && TOOL_NAME.test(suggestion) ? ` (for example "${suggestion}")` : '';
  return [finding('PH207', source.file, source.line, `tool name "${shown(name)}" is not safe as an RPM name, a path segment and a module name; ${wrong}${hint}`)];
}

export function checkToolVersion(version: string, source: IdentitySource): Finding[] {
  const wrong = judgeToolVersion(version);
  if (!wrong) return [];
  return [finding('PH207', source.file, source.line, `version "${shown(version)}" is not safe as an RPM version and a path segment; ${wrong}`)];
}

export function checkInterpreterSanctioned(interpreter: string, sanctioned: readonly string[], source: IdentitySource): Finding[] {
  if (sanctioned.includes(interpreter)) return [];
  return [finding('PH201', source.file, source.line, `Python ${interpreter} is not a sanctioned interpreter (sanctioned: ${sanctioned.join(', ')}); build for one of those, or add ${interpreter} to policy.interpreters in phoreus.yaml once the Packaging Authority sanctions it`)];
}
