/**
 * The smoke test's default command, chosen from the installed tool's own metadata: its
 * console script whose name is the tool's (in any case: NanoStat for nanostat), else an
 * import of its top-level packages, else the venv's python. Pure: the metadata is read by
 * the caller from the extracted payload.
 */
import { normalizeName } from '../requirements/pep508.js';

/** Names that may reach a shell unquoted: what a console script or a module is called. */
const SCRIPT_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,100}$/;
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,100}$/;

/** The [console_scripts] names of an entry_points.txt. */
export function consoleScripts(entryPoints: string): string[] {
  const names: string[] = [];
  let section = '';
  for (const raw of entryPoints.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = (header[1] ?? '').trim();
      continue;
    }
    const name = /^([^=\s]+)\s*=/.exec(line)?.[1];
    if (section === 'console_scripts' && name && SCRIPT_NAME.test(name)) names.push(name);
  }
  return names;
}

/** The console script that is the tool itself: the same name, or the same name in another case or spelling. */
export function toolScript(tool: string, scripts: readonly string[]): string | undefined {
  return scripts.find((s) => s === tool)
    ?? scripts.find((s) => s.toLowerCase() === tool.toLowerCase())
    ?? scripts.find((s) => normalizeName(s) === normalizeName(tool));
}

export interface ToolMetadata {
  /** entry_points.txt of the tool's distribution, if it has one. */
  entryPoints?: string;
  /** top_level.txt of the tool's distribution, if it has one. */
  topLevel?: string;
  /** Console scripts present in the venv's bin. */
  installed: ReadonlySet<string>;
}

export interface SmokeCommand {
  command: string;
  /** What the command exercises, for the report. */
  what: string;
}

export function defaultSmokeCommand(tool: string, meta: ToolMetadata): SmokeCommand {
  const script = toolScript(tool, consoleScripts(meta.entryPoints ?? '').filter((s) => meta.installed.has(s)))
    ?? (meta.installed.has(tool) && SCRIPT_NAME.test(tool) ? tool : undefined);
  if (script) return { command: `${script} --version || ${script} --help`, what: `the console script ${script}` };
  const modules = (meta.topLevel ?? '').split('\n').map((l) => l.trim()).filter((m) => MODULE_NAME.test(m) && !m.startsWith('_') && m !== 'tests');
  if (modules.length > 0) {
    const list = [...new Set(modules)].sort().slice(0, 8);
    return { command: `python -c "import ${list.join(', ')}"`, what: `an import of ${list.join(', ')}` };
  }
  return { command: 'python -c "import sys; print(sys.prefix)"', what: 'the venv\'s python' };
}
