/**
 * Runs a command and captures its output, without echoing it (stdout may carry a report).
 * Each child leads its own process group, known to the lifecycle, so an interruption or a
 * timeout stops it and everything it started.
 */
import { spawn } from 'node:child_process';
import { adoptChild } from './lifecycle.js';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when the run was stopped because it outlived its timeout. */
  timedOut?: boolean;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Stop the command (its whole process group) after this long; exit code 124 then. */
  timeoutMs?: number;
}

/** Output kept per stream: the head is what a chatty command printed first, the tail where it failed. */
const MAX_OUTPUT = 16 * 1024 * 1024;

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, [...args], { cwd: options.cwd, env: definedEnv(options.env ?? process.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      resolve({ exitCode: 127, stdout: '', stderr: (error as Error).message });
      return;
    }
    adoptChild(child);
    const out = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    const keep = (stream: 'stdout' | 'stderr') => (chunk: string): void => {
      out[stream] += chunk;
      if (out[stream].length > MAX_OUTPUT) out[stream] = out[stream].slice(-MAX_OUTPUT);
    };
    child.stdout.on('data', keep('stdout'));
    child.stderr.on('data', keep('stderr'));
    let timedOut = false;
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    // The command could not be started at all (not found, not executable).
    child.once('error', (error) => {
      if (timer) clearTimeout(timer);
      resolve({ exitCode: 127, stdout: out.stdout, stderr: `${out.stderr}${error.message}` });
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) {
        resolve({ exitCode: 124, stdout: out.stdout, stderr: `${out.stderr}\n${command} did not finish within ${Math.round((options.timeoutMs ?? 0) / 1000)} s and was stopped`, timedOut: true });
      } else {
        resolve({ exitCode: code ?? (signal ? 128 : 1), ...out });
      }
    });
  });
}

function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The last non-empty line of a command's output, for one-line error messages. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines[lines.length - 1] ?? '';
}
