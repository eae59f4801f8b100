/**
 * Runs the action's TypeScript sources under @github/local-action, GitHub's local runner for
 * JavaScript actions: it loads src/main.ts with tsx, replaces @actions/core (and artifact,
 * cache) with its own emulation, reads the environment and the INPUT_* variables from a dotenv
 * file, calls the exported run(), and prints annotations and outputs as workflow commands.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorkflowCommands, type WorkflowCommand } from './action-runner.js';
import { isolatedEnv, REPO, run } from './processes.js';

const LOCAL_ACTION = join(REPO, 'node_modules', '@github', 'local-action', 'bin', 'local-action.js');

export interface LocalActionRun {
  status: number;
  stdout: string;
  stderr: string;
  annotations: WorkflowCommand[];
  outputs: Record<string, string>;
  summary: string;
  /** What the action left in its temp directory. */
  leftovers: string[];
}

/**
 * Runs `local-action run <repository> src/main.ts <dotenv>` with these inputs; the runner's files
 * (dotenv, RUNNER_TEMP, the job summary) go in a new directory inside `root`, which the test removes.
 */
export async function runLocalAction(inputs: Record<string, string>, options: { workspace: string; root: string }): Promise<LocalActionRun> {
  if (!existsSync(LOCAL_ACTION)) throw new Error('@github/local-action is not installed; run `npm ci` (npm test does)');
  const runner = mkdtempSync(join(options.root, 'local-action-'));
  const summary = join(runner, 'summary.md');
  mkdirSync(join(runner, 'temp'));
  const temp = join(runner, 'tmp');
  mkdirSync(temp);
  const variables: Record<string, string> = {
    GITHUB_WORKSPACE: options.workspace,
    RUNNER_TEMP: join(runner, 'temp'),
    GITHUB_STEP_SUMMARY: summary,
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  };
  const dotenv = join(runner, '.env');
  writeFileSync(dotenv, Object.entries(variables).map(([k, v]) => `${k}=${JSON.stringify(v)}\n`).join(''));
  // A temp directory of its own, where tsx leaves the directory of its IPC socket (tsx-<uid>);
  // no colours in what is parsed.
  const r = await run(process.execPath, [LOCAL_ACTION, 'run', REPO, 'src/main.ts', dotenv], { env: isolatedEnv({ TMPDIR: temp, FORCE_COLOR: '0' }), cwd: REPO });
  const commands = parseWorkflowCommands(r.stdout);
  return {
    ...r,
    annotations: commands.filter((c) => c.command === 'error' || c.command === 'warning' || c.command === 'notice'),
    outputs: Object.fromEntries(commands.filter((c) => c.command === 'set-output').map((c) => [c.properties.name ?? '', c.message])),
    summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '',
    leftovers: readdirSync(temp).filter((name) => !/^tsx-/.test(name)),
  };
}
