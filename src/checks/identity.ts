/** PH201 and PH207: the interpreter is sanctioned; the tool name and version are safe everywhere they go. Pure. */
import { finding, type Finding } from './finding.js';

/**
 * A tool name becomes an RPM name, a directory under /usr/local/phoreus, an Lmod module name
 * and text inside a spec and a Lua file: lower-case letters and digits joined by single
 * separators leave no room for shell, RPM-macro or Lua injection.
 */
const TOOL_NAME = /^[a-z0-9]+(?:[._+-][a-z0-9]+)*$/;
/** RPM forbids "-" in Version; "%", "$", quotes, spaces and slashes are never safe. */
const TOOL_VERSION = /^[0-9][0-9A-Za-z]*(?:[._+~][0-9A-Za-z]+)*$/;
const MAX_LENGTH = 64;

export interface IdentitySource {
  /** Where the value came from, for the finding: a file relative to the project and its line. */
  file: string;
  line: number;
}

export function checkToolName(name: string, source: IdentitySource): Finding[] {
  if (name.length <= MAX_LENGTH && TOOL_NAME.test(name)) return [];
  const suggestion = name.toLowerCase().replace(/[^a-z0-9._+-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '').slice(0, MAX_LENGTH);
  const hint = suggestion && TOOL_NAME.test(suggestion) ? ` (for example "${suggestion}")` : '';
  return [finding('PH207', source.file, source.line, `tool name "${printable(name)}" is not safe as an RPM name, a path segment and a module name; use lower-case letters and digits joined by single ".", "_", "+" or "-", at most ${MAX_LENGTH} characters${hint}`)];
}

export function checkToolVersion(version: string, source: IdentitySource): Finding[] {
  if (version.length <= MAX_LENGTH && TOOL_VERSION.test(version)) return [];
  return [finding('PH207', source.file, source.line, `version "${printable(version)}" is not safe as an RPM version and a path segment; use digits and letters joined by single ".", "_", "+" or "~" (no "-"), starting with a digit, at most ${MAX_LENGTH} characters`)];
}

export function checkInterpreterSanctioned(interpreter: string, sanctioned: readonly string[], source: IdentitySource): Finding[] {
  if (sanctioned.includes(interpreter)) return [];
  return [finding('PH201', source.file, source.line, `Python ${interpreter} is not a sanctioned interpreter (sanctioned: ${sanctioned.join(', ')}); build for one of those, or add ${interpreter} to policy.interpreters in phoreus.yaml once the Packaging Authority sanctions it`)];
}

/** Shows a value inside a message without letting control characters or length through. */
function printable(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}
