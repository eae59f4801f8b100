/**
 * A private virtual environment installed with --require-hashes from a lock, kept in the
 * cache by the lock's content and the interpreter: how the tool runs Python tools without
 * trusting the index's latest release (pip-tools, a project's build backend).
 *
 * A kept environment is trusted on nothing it says about itself: before each use it is
 * checked, file for file, against the locked wheels it was made from (each hashed against
 * the lock again), by tools/venv/verify.py run with -I -S -B; one that fails is rebuilt.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { parseRequirementsFile, requirementEntries } from '../requirements/parse.js';
import type { Log } from '../core/log.js';
import { redact } from '../core/redact.js';
import { BlobStore, DISTRIBUTION_FILE, sha256File } from './blob-store.js';
import { cacheRoot } from './cache-dir.js';
import { pipNetworkArgs } from './index-access.js';
import { removeScratch, scratchDir } from './lifecycle.js';
import { lastLine, run } from './process.js';
import { resourcePath } from './resources.js';

const MANIFEST = 'phoreus-venv.json';

/** The environment a private venv's python runs in: no bytecode written into the checked tree. */
export const venvEnv = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({ ...env, PYTHONDONTWRITEBYTECODE: '1' });

/** The sha256 digests of each pin of the lock, whatever its marker: the files a venv of it may be made from. */
function pinDigests(lockText: string): string[][] {
  return requirementEntries(parseRequirementsFile(lockText)).map((e) => e.hashes.filter((h) => h.algorithm === 'sha256').map((h) => h.digest.toLowerCase()));
}

/** The pip wheel the interpreter bundles (ensurepip): part of its standard library, so as trusted as the interpreter. */
export async function bundledPip(python: string): Promise<string> {
  const r = await run(python, ['-I', '-c', 'import ensurepip, glob, os; print(sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))[-1])']);
  const wheel = r.stdout.trim();
  if (r.exitCode !== 0 || !wheel) throw new UsageError(`${python} has no ensurepip to bootstrap pip with: use a complete CPython installation (actions/setup-python, pyenv)`);
  return wheel;
}

/**
 * How to run pip with a private venv's python: its own pip when the lock installed one, else
 * the interpreter's bundled pip run from its wheel (a build lock need not pin pip).
 */
export async function pipInVenv(venvPython: string, basePython: string): Promise<string[]> {
  const lib = join(venvPython, '..', '..', 'lib');
  const hasPip = existsSync(lib) && readdirSync(lib).some((v) => existsSync(join(lib, v, 'site-packages', 'pip', '__init__.py')));
  return hasPip ? ['-m', 'pip'] : [`${await bundledPip(basePython)}/pip`];
}

/** Checks a kept venv against the wheels its manifest names, each placed from the store and hashed first. */
async function verifyKept(venv: string, python: string, allowed: ReadonlySet<string>, store: BlobStore): Promise<string | undefined> {
  let digests: unknown;
  try {
    digests = (JSON.parse(readFileSync(join(venv, MANIFEST), 'utf8')) as { wheels?: unknown }).wheels;
  } catch {
    return 'it records no wheels';
  }
  if (!Array.isArray(digests) || digests.some((d) => typeof d !== 'string' || !allowed.has(d))) return 'it names wheels the lock does not allow';
  const verifier = resourcePath('tools/venv/verify.py');
  if (!verifier) throw new UsageError('tools/venv/verify.py is missing from the action; use a complete checkout of phoreus-rpm');
  const wheels = scratchDir('phoreus-venv-check-');
  try {
    const placed = [];
    for (const digest of digests as string[]) {
      const blob = await store.place(digest, wheels);
      if (!blob) return 'a wheel it was made from is no longer in the cache';
      if (blob.name.endsWith('.whl')) placed.push(blob.path);
    }
    const r = await run(python, ['-I', '-S', '-B', verifier, venv, python, ...placed]);
    return r.exitCode === 0 ? undefined : lastLine(r.stdout) || lastLine(r.stderr) || `the check exited with ${r.exitCode}`;
  } finally {
    removeScratch(wheels);
  }
}

/**
 * Installs the lock into `target`, from files in the store where the lock allows them and
 * from the index otherwise; returns the digests of every file it had to choose from.
 */
async function install(python: string, lockPath: string, pins: readonly string[][], allowed: ReadonlySet<string>, store: BlobStore, target: string): Promise<string[]> {
  const files = scratchDir('phoreus-venv-files-');
  try {
    for (const digest of allowed) if (store.has(digest)) await store.place(digest, files);
    const bundled = await bundledPip(python);
    const create = await run(python, ['-I', '-m', 'venv', '--without-pip', target]);
    if (create.exitCode !== 0) throw new UsageError(`could not create a virtual environment with ${python}: ${lastLine(create.stderr)}`);
    const pipRun = (args: string[]): ReturnType<typeof run> => {
      // The lock's own pip when it pins one, else the interpreter's bundled pip; run from its wheel.
      const locked = readdirSync(files).find((f) => /^pip-[^-]+-py3-none-any\.whl$/.test(f));
      return run(join(target, 'bin', 'python'), [`${locked ? join(files, locked) : bundled}/pip`, ...args], { env: venvEnv() });
    };
    const installArgs = ['install', '--quiet', '--no-input', '--disable-pip-version-check', '--no-index', '--find-links', files, '--require-hashes', '--no-compile', '--no-warn-script-location', '-r', lockPath];
    // A pin with none of its files in the store sends the first run to the index at once.
    const stored = pins.every((digests) => digests.some((digest) => store.has(digest)));
    let installed = stored ? await pipRun(installArgs) : undefined;
    if (installed?.exitCode !== 0) {
      // Some file is not in the store yet: fetch what the lock pins, checked, and keep it.
      const fetched = await run(join(target, 'bin', 'python'), [`${bundled}/pip`, 'download', '--quiet', '--no-input', '--disable-pip-version-check', '--no-deps', '--require-hashes',
        '--dest', files, ...pipNetworkArgs(), '-r', lockPath], { env: venvEnv() });
      if (fetched.exitCode !== 0) throw new UsageError(`could not fetch the files of ${lockPath}: ${redact(lastLine(fetched.stderr))}; check that the package index is reachable (PIP_INDEX_URL)`);
      installed = await pipRun(installArgs);
      if (installed.exitCode !== 0) throw new UsageError(`could not install ${lockPath}: ${redact(lastLine(installed.stderr))}`);
    }
    const digests: string[] = [];
    for (const file of readdirSync(files)) {
      const path = join(files, file);
      if (!statSync(path).isFile() || !DISTRIBUTION_FILE.test(file)) continue;
      const digest = await sha256File(path);
      if (!allowed.has(digest)) throw new UsageError(`${file}, fetched for ${lockPath}, has a sha256 the lock does not allow`);
      if (!store.has(digest)) await store.add(path, digest);
      digests.push(digest);
    }
    return digests.sort();
  } finally {
    removeScratch(files);
  }
}

/** Returns the environment's python, checking a kept environment and rebuilding one that fails. */
export async function pythonVenv(python: string, lockPath: string, log: Log): Promise<string> {
  const lockText = readFileSync(lockPath, 'utf8');
  const key = createHash('sha256').update(lockText).update('\0').update(python).digest('hex').slice(0, 16);
  const venv = join(cacheRoot(), 'venvs', `${basename(lockPath).replace(/\.lock$/, '')}-${key}`);
  const venvPython = join(venv, 'bin', 'python');
  const pins = pinDigests(lockText);
  const allowed = new Set(pins.flat());
  const store = new BlobStore(join(cacheRoot(), 'blobs'));

  if (existsSync(venv)) {
    const wrong = await verifyKept(venv, python, allowed, store);
    if (!wrong) return venvPython;
    log.warning(`The kept environment for ${basename(lockPath)} failed its check (${wrong}): rebuilding it from the lock`);
    rmSync(venv, { recursive: true, force: true });
  }

  log.info(`Installing ${lockPath} into a private virtual environment (--require-hashes)`);
  mkdirSync(join(cacheRoot(), 'venvs'), { recursive: true });
  const staging = `${venv}.staging-${process.pid}-${Date.now()}`;
  try {
    const digests = await install(python, lockPath, pins, allowed, store, staging);
    writeFileSync(join(staging, MANIFEST), `${JSON.stringify({ lock: basename(lockPath), python, wheels: digests }, null, 1)}\n`);
    try {
      renameSync(staging, venv);
    } catch {
      // Another run finished first: its environment is checked like any kept one.
      const wrong = await verifyKept(venv, python, allowed, store);
      if (wrong) throw new UsageError(`the environment for ${basename(lockPath)} another run made fails its check (${wrong}); run again`);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return venvPython;
}
