/**
 * Runs the bundled action (dist/index.js) as a GitHub runner does: inputs as INPUT_*
 * variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_ENV files, RUNNER_TEMP, and the
 * workflow commands it prints on stdout parsed back into annotations, masks and groups.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, runAction } from './processes.js';

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface ActionRun {
  status: number;
  stdout: string;
  stderr: string;
  commands: WorkflowCommand[];
  annotations: WorkflowCommand[];
  masks: string[];
  groups: string[];
  outputs: Record<string, string>;
  summary: string;
}

const unescapeData = (s: string): string => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string): string => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');

export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const properties: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    commands.push({ command: m[1] ?? '', properties, message: unescapeData(m[3] ?? '') });
  }
  return commands;
}

/** GITHUB_OUTPUT's heredoc format: name<<DELIMITER, value lines, DELIMITER. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? '');
    outputs[m[1] ?? ''] = value.join('\n');
  }
  return outputs;
}

/**
 * Runs the action with these inputs in `workspace`. The runner's own files (outputs, summary,
 * RUNNER_TEMP, where the reports go) are made in a new directory inside `root`, which the test
 * owns and removes when it no longer reads them.
 */
export async function runActionWith(inputs: Record<string, string>, options: { workspace: string; root: string; env?: Record<string, string> }): Promise<ActionRun> {
  const runner = mkdtempSync(join(options.root, 'runner-'));
  const files = { output: join(runner, 'output'), summary: join(runner, 'summary'), env: join(runner, 'env') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  mkdirSync(join(runner, 'temp'));
  mkdirSync(join(runner, 'tool-cache'));
  const env = isolatedEnv({
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    RUNNER_TEMP: join(runner, 'temp'),
    RUNNER_TOOL_CACHE: join(runner, 'tool-cache'),
    ...options.env,
  });
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  const r = await runAction(env, options.workspace);
  const commands = parseWorkflowCommands(r.stdout);
  return {
    ...r,
    commands,
    annotations: commands.filter((c) => c.command === 'error' || c.command === 'warning' || c.command === 'notice'),
    masks: commands.filter((c) => c.command === 'add-mask').map((c) => c.message),
    groups: commands.filter((c) => c.command === 'group').map((c) => c.message),
    outputs: parseOutputFile(readFileSync(files.output, 'utf8')),
    summary: readFileSync(files.summary, 'utf8'),
  };
}
