/** Re-runs pip-compile on a copy of the lock, in the project, and returns what it writes. */
import { readFileSync, writeFileSync } from 'node:fs';
import { removeScratch, scratchDir } from './lifecycle.js';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { failingIndex, indexUrls, missingPackage, pipNetworkEnv } from './index-access.js';
import { lastLine, run } from './process.js';
import { resourcePath } from './resources.js';
import { cacheRoot } from './cache-dir.js';
import { venvEnv } from './venv.js';

export type CompileOutcome = { ok: true; lock: string } | { ok: false; reason: string };

/** pip's words for "the index could not be reached": an environment problem, not a finding. */
const UNREACHABLE = /(Could not fetch URL|Max retries exceeded|Connection refused|NewConnectionError|Temporary failure in name resolution|Name or service not known|Network is unreachable|ConnectTimeout|ReadTimeout)/;

/** The indexes named among pip-compile's options (--index-url=…, --extra-index-url=…, or the value after). */
function indexesOf(options: readonly string[]): { indexUrl?: string; extraIndexUrls: string[] } {
  const out: { indexUrl?: string; extraIndexUrls: string[] } = { extraIndexUrls: [] };
  options.forEach((word, i) => {
    const m = /^(-i|--index-url|--extra-index-url)(?:=(.*))?$/.exec(word);
    const value = m ? (m[2] ?? options[i + 1]) : undefined;
    if (!m || value === undefined) return;
    if (m[1] === '--extra-index-url') out.extraIndexUrls.push(value);
    else out.indexUrl = value;
  });
  return out;
}

/** Runs pip-compile in the project with the given options, its output file seeded with `seed`. */
export async function recompile(pipToolsPython: string, project: string, seed: string, options: readonly string[], sources: readonly string[]): Promise<CompileOutcome> {
  const work = scratchDir('phoreus-drift-');
  try {
    const output = join(work, 'requirements.lock');
    writeFileSync(output, seed);
    // --no-reuse-hashes: every hash comes from the index now, never from the lock under test;
    // compile.py takes the digests the index publishes rather than downloading every file.
    const script = resourcePath('tools/pip-tools/compile.py');
    if (!script) throw new UsageError('tools/pip-tools/compile.py is missing from the action; use a complete checkout of phoreus-rpm');
    const args = [script, 'compile', '--quiet', '--no-reuse-hashes', ...options, `--cache-dir=${join(cacheRoot(), 'pip-compile')}`, `--output-file=${output}`, ...sources];
    const result = await run(pipToolsPython, args, { cwd: project, env: venvEnv(pipNetworkEnv({ ...process.env, CUSTOM_COMPILE_COMMAND: '' })) });
    const detail = redact(lastLine(result.stderr) || lastLine(result.stdout));
    if (result.exitCode !== 0) {
      const missing = missingPackage(result.stderr);
      const failing = missing ? await failingIndex(missing, indexUrls(indexesOf(options))) : undefined;
      if (failing) throw new UsageError(`${failing}, so the drift check (PH108) cannot run; fix --index-url or the network, or pass --offline to skip PH108`);
      if (UNREACHABLE.test(result.stderr)) {
        throw new UsageError(`the package index could not be reached for the drift check (${detail}); fix --index-url or the network, or pass --offline to skip PH108`);
      }
      return { ok: false, reason: detail || `pip-compile exited with status ${result.exitCode}` };
    }
    return { ok: true, lock: readFileSync(output, 'utf8') };
  } finally {
    removeScratch(work);
  }
}
