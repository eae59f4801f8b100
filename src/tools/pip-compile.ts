/** Re-runs pip-compile on a copy of the lock, in the project, and returns what it writes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../inputs/usage-error.js';
import { redactUrls } from '../report/redact.js';
import { lastLine, run } from './process.js';

export type CompileOutcome = { ok: true; lock: string } | { ok: false; reason: string };

/** pip's words for "the index could not be reached": an environment problem, not a finding. */
const UNREACHABLE = /(Could not fetch URL|Max retries exceeded|Connection refused|NewConnectionError|Temporary failure in name resolution|Name or service not known|Network is unreachable|ConnectTimeout|ReadTimeout)/;

/** Runs pip-compile in the project with the given options, its output file seeded with `seed`. */
export async function recompile(pipToolsPython: string, project: string, seed: string, options: readonly string[], sources: readonly string[]): Promise<CompileOutcome> {
  const work = mkdtempSync(join(tmpdir(), 'phoreus-drift-'));
  try {
    const output = join(work, 'requirements.lock');
    writeFileSync(output, seed);
    // --no-reuse-hashes: every hash comes from the index now, never from the lock under test.
    const args = ['-m', 'piptools', 'compile', '--quiet', '--no-reuse-hashes', ...options, `--output-file=${output}`, ...sources];
    const result = await run(pipToolsPython, args, { cwd: project, env: { ...process.env, CUSTOM_COMPILE_COMMAND: '' } });
    const detail = redactUrls(lastLine(result.stderr) || lastLine(result.stdout));
    if (result.exitCode !== 0) {
      if (UNREACHABLE.test(result.stderr)) {
        throw new UsageError(`the package index could not be reached for the drift check (${detail}); fix --index-url or the network, or pass --offline to skip PH108`);
      }
      return { ok: false, reason: detail || `pip-compile exited with status ${result.exitCode}` };
    }
    return { ok: true, lock: readFileSync(output, 'utf8') };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
