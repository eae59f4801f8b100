/**
 * The wheelhouse: every file the lock pins, downloaded with pip --require-hashes --no-deps,
 * restricted to wheels the target distro's glibc, the interpreter's ABI and the arch accept.
 * Kept in a local cache keyed by the lock, the interpreter, the distro and the arch, so a
 * warm build never touches the package index.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../inputs/usage-error.js';
import { manylinuxTags, type Arch, type Distro } from '../plan/distros.js';
import { normalizeName } from '../requirements/pep508.js';
import type { Log } from '../report/log.js';
import { redactUrls } from '../report/redact.js';
import { cacheRoot } from '../tools/cache-dir.js';
import { run } from '../tools/process.js';

export interface LockedPackage {
  name: string;
  version: string;
  /** sha256 hex digests the lock allows for this package. */
  hashes: string[];
}

export interface WheelhouseRequest {
  python: string;
  interpreter: string;
  distro: Distro;
  arch: Arch;
  /** The lock to fetch (already filtered of skipped packages). */
  lockText: string;
  packages: LockedPackage[];
  indexUrl?: string;
  extraIndexUrls: string[];
  findLinks: string[];
}

export interface Wheelhouse {
  dir: string;
  /** File name of each package's wheel, by normalized name. */
  files: Map<string, string>;
  fromCache: boolean;
}

/** pip's target-platform options for a distro, interpreter and arch (pure). */
export function platformOptions(interpreter: string, distro: Distro, arch: Arch): string[] {
  const abi = `cp${interpreter.replace('.', '')}`;
  return [
    '--only-binary=:all:',
    '--implementation', 'cp',
    '--python-version', interpreter,
    '--abi', abi, '--abi', 'abi3', '--abi', 'none',
    ...manylinuxTags(distro.glibc, arch).flatMap((tag) => ['--platform', tag]),
  ];
}

export function wheelhouseKey(request: Pick<WheelhouseRequest, 'lockText' | 'interpreter' | 'distro' | 'arch'>): string {
  return createHash('sha256')
    .update(request.lockText)
    .update(`\0${request.interpreter}\0${request.distro.key}\0${request.arch}`)
    .digest('hex')
    .slice(0, 24);
}

const sha256File = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Name of a wheel file's distribution, normalized: the part before the first "-". */
export function wheelDistribution(file: string): string {
  return normalizeName(file.split('-')[0] ?? '');
}

/** Matches each locked package to the one file in `dir` whose hash the lock allows; undefined if any is missing. */
export function matchFiles(dir: string, packages: readonly LockedPackage[]): Map<string, string> | undefined {
  if (!existsSync(dir)) return undefined;
  const byHash = new Map<string, string>();
  for (const file of readdirSync(dir)) byHash.set(sha256File(join(dir, file)), file);
  const files = new Map<string, string>();
  for (const pkg of packages) {
    const file = pkg.hashes.map((h) => byHash.get(h)).find((f) => f !== undefined);
    if (!file) return undefined;
    files.set(normalizeName(pkg.name), file);
  }
  return files;
}

/** The package pip could not find a compatible file for, from its error output. */
export function missingPackage(stderr: string): string | undefined {
  const m = /(?:No matching distribution found for|Could not find a version that satisfies the requirement) ([A-Za-z0-9._-]+)/.exec(stderr);
  return m?.[1];
}

export async function fetchWheelhouse(request: WheelhouseRequest, log: Log): Promise<Wheelhouse> {
  const dir = join(cacheRoot(), 'wheelhouse', wheelhouseKey(request));
  const cached = matchFiles(dir, request.packages);
  if (cached) {
    log.info(`Wheelhouse restored from the cache (${cached.size} wheels): the package index is not contacted`);
    return { dir, files: cached, fromCache: true };
  }

  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const lockFile = join(staging, '.requirements.lock');
  writeFileSync(lockFile, request.lockText);
  const args = [
    '-m', 'pip', 'download', '--no-deps', '--require-hashes', '--progress-bar', 'off', '--disable-pip-version-check', '--no-input',
    '--dest', staging, ...platformOptions(request.interpreter, request.distro, request.arch),
    ...(request.indexUrl ? ['--index-url', request.indexUrl] : []),
    ...request.extraIndexUrls.flatMap((u) => ['--extra-index-url', u]),
    ...request.findLinks.flatMap((u) => ['--find-links', u]),
    '-r', lockFile,
  ];
  log.info(`Fetching ${request.packages.length} locked packages for cp${request.interpreter.replace('.', '')} on ${request.distro.key} (glibc ${request.distro.glibc.join('.')}) ${request.arch}`);
  const result = await run(request.python, args);
  rmSync(lockFile);
  if (result.exitCode !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new UsageError(downloadError(result.stderr, request));
  }
  const files = matchFiles(staging, request.packages);
  if (!files) {
    rmSync(staging, { recursive: true, force: true });
    throw new UsageError('pip downloaded files whose hashes are not all in the lock; regenerate the lock with pip-compile --generate-hashes');
  }
  let bytes = 0;
  [...files.values()].sort().forEach((file, i) => {
    bytes += readFileSync(join(staging, file)).length;
    log.info(`wheel ${i + 1} of ${files.size}: ${file}`);
  });
  log.info(`Fetched ${files.size} wheels, ${(bytes / 1048576).toFixed(1)} MiB`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '..'), { recursive: true });
  renameSync(staging, dir);
  return { dir, files, fromCache: false };
}

function downloadError(stderr: string, request: WheelhouseRequest): string {
  const missing = missingPackage(stderr);
  if (missing) {
    return `${missing} has no wheel for CPython ${request.interpreter} on ${request.distro.key} ${request.arch} (glibc ${request.distro.glibc.join('.')}): build in a container of the target distro (\`container: ${request.distro.image}\` in the workflow), or pin a version that publishes a compatible wheel`;
  }
  if (/THESE PACKAGES DO NOT MATCH THE HASHES/.test(stderr)) {
    const pkg = /^\s+([A-Za-z0-9._-]+)==\S+ from /m.exec(stderr)?.[1] ?? 'a package';
    return `hash verification failed for ${pkg}: the index served a file whose sha256 is not in the lock (charter §13); investigate the upstream change, then regenerate the lock`;
  }
  const last = stderr.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? 'pip download failed';
  return `fetching the wheelhouse failed: ${redactUrls(last)}`;
}
