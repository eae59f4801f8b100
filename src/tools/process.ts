/** Runs a command and captures its output, without echoing it (stdout may carry a report). */
import { getExecOutput } from '@actions/exec';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  try {
    const result = await getExecOutput(command, [...args], {
      silent: true,
      ignoreReturnCode: true,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: stringEnv(options.env ?? process.env),
    });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    // The command could not be started at all (not found, not executable).
    return { exitCode: 127, stdout: '', stderr: (error as Error).message };
  }
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The last non-empty line of a command's output, for one-line error messages. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines[lines.length - 1] ?? '';
}
