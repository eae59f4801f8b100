/**
 * The wheelhouse: every file the lock pins, downloaded with pip --require-hashes --no-deps,
 * restricted to wheels the target distro's glibc, the interpreter's ABI and the arch accept.
 * Kept in a local cache keyed by the lock, the interpreter, the distro and the arch, so a
 * warm build never touches the package index.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildFailure } from './failure.js';
import { manylinuxTags, type Arch, type Distro } from '../plan/distros.js';
import type { LockedPackage } from '../checks/lockfile.js';
import { lockSubset, requirementBlocks, withExtraHashes } from '../requirements/blocks.js';
import { normalizeName } from '../requirements/pep508.js';
import type { Log } from '../report/log.js';
import { redactUrls } from '../report/redact.js';
import { cacheRoot } from '../tools/cache-dir.js';
import { run } from '../tools/process.js';
import { buildFromSdist, type SourceBuilt } from './source-build.js';

export type { LockedPackage } from '../checks/lockfile.js';

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
  /** Packages to build from their sdist whatever wheels exist, with the reason. */
  forceSource: ReadonlyMap<string, string>;
  epoch: number;
}

export interface Wheelhouse {
  dir: string;
  /** File name of each package's wheel, by normalized name. */
  files: Map<string, string>;
  fromCache: boolean;
  /** Packages whose wheel was built here from their hash-verified sdist. */
  built: Map<string, SourceBuilt>;
  /** The lock, with the digests of those built wheels added: what %build installs from. */
  installLock: string;
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

/** The directory name of a wheelhouse: its scope, readable, then the hash of everything. */
export function wheelhouseKey(request: Pick<WheelhouseRequest, 'lockText' | 'interpreter' | 'distro' | 'arch'>): string {
  const hash = createHash('sha256')
    .update(request.lockText)
    .update(`\0${request.interpreter}\0${request.distro.key}\0${request.arch}`)
    .digest('hex')
    .slice(0, 24);
  return `${scopePrefix(request)}${hash}`;
}

const scopePrefix = (request: Pick<WheelhouseRequest, 'interpreter' | 'distro' | 'arch'>): string =>
  `${request.arch}-${request.distro.key}-py${request.interpreter}-`;

/**
 * Copies into `staging` the files of other wheelhouses of the same target (an older lock's,
 * restored from a cache) whose sha256 the lock allows; returns the packages so found. Only the
 * same interpreter, distro and arch: a lock allows every file of a version, for every target.
 */
function reuseFromSiblings(root: string, own: string, prefix: string, staging: string, packages: readonly LockedPackage[]): Set<string> {
  const found = new Set<string>();
  if (!existsSync(root)) return found;
  const wanted = new Map<string, string>();
  for (const p of packages) for (const h of p.hashes) wanted.set(h, normalizeName(p.name));
  for (const sibling of readdirSync(root, { withFileTypes: true })) {
    if (!sibling.isDirectory() || sibling.name === own || !sibling.name.startsWith(prefix) || sibling.name.includes('.staging-')) continue;
    for (const file of readdirSync(join(root, sibling.name), { withFileTypes: true })) {
      if (!file.isFile()) continue;
      const path = join(root, sibling.name, file.name);
      const name = wanted.get(sha256File(path));
      if (name && !found.has(name)) {
        copyFileSync(path, join(staging, file.name));
        found.add(name);
      }
    }
  }
  return found;
}

/** Removes the other wheelhouses of the same scope: what the cache keeps is the current one. */
function pruneSiblings(root: string, own: string, prefix: string): void {
  for (const sibling of readdirSync(root)) {
    if (sibling !== own && sibling.startsWith(prefix)) rmSync(join(root, sibling), { recursive: true, force: true });
  }
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
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) byHash.set(sha256File(join(dir, entry.name)), entry.name);
  }
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

const MANIFEST = 'wheelhouse.json';

/** What the cache holds beyond the index's files: the wheels built from sdists. */
interface Manifest {
  built: Record<string, SourceBuilt>;
}

function readManifest(dir: string): Manifest {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return { built: {} };
  }
}

/** Every package matched to its file: built wheels by their recorded digest, the rest by the lock's. */
function resolveFiles(dir: string, packages: readonly LockedPackage[], manifest: Manifest): Map<string, string> | undefined {
  const fromIndex = packages.filter((p) => !manifest.built[normalizeName(p.name)]);
  const files = matchFiles(dir, fromIndex);
  if (!files) return undefined;
  for (const [name, built] of Object.entries(manifest.built)) {
    const path = join(dir, built.wheel);
    if (!existsSync(path) || sha256File(path) !== built.sha256) return undefined;
    files.set(name, built.wheel);
  }
  return files;
}

function wheelhouse(dir: string, files: Map<string, string>, manifest: Manifest, lockText: string, fromCache: boolean): Wheelhouse {
  const built = new Map(Object.entries(manifest.built));
  const installLock = withExtraHashes(lockText, new Map([...built].map(([name, b]) => [name, b.sha256])));
  return { dir, files, fromCache, built, installLock };
}

export async function fetchWheelhouse(request: WheelhouseRequest, log: Log): Promise<Wheelhouse> {
  const root = join(cacheRoot(), 'wheelhouse');
  const key = wheelhouseKey(request);
  const dir = join(root, key);
  const cachedManifest = readManifest(dir);
  const cached = resolveFiles(dir, request.packages, cachedManifest);
  if (cached) {
    log.info(`Wheelhouse restored from the cache (${cached.size} wheels): the package index is not contacted`);
    return wheelhouse(dir, cached, cachedManifest, request.lockText, true);
  }

  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const indexArgs = [
      ...(request.indexUrl ? ['--index-url', request.indexUrl] : []),
      ...request.extraIndexUrls.flatMap((u) => ['--extra-index-url', u]),
      ...request.findLinks.flatMap((u) => ['--find-links', u]),
    ];
    const fromSource = new Map<string, string>(
      [...request.forceSource].map(([name, reason]) => [normalizeName(name), `forceSource: ${reason}`]),
    );
    const reused = reuseFromSiblings(root, key, scopePrefix(request), staging, request.packages.filter((p) => !fromSource.has(normalizeName(p.name))));
    if (reused.size > 0) log.info(`${reused.size} of ${request.packages.length} packages found in an earlier wheelhouse (hash-verified)`);
    log.info(`Fetching ${request.packages.length - reused.size} locked packages for cp${request.interpreter.replace('.', '')} on ${request.distro.key} (glibc ${request.distro.glibc.join('.')}) ${request.arch}`);
    // pip stops at the first package without a compatible wheel: set it aside and go on.
    for (;;) {
      const names = new Set(request.packages.map((p) => normalizeName(p.name)).filter((n) => !fromSource.has(n) && !reused.has(n)));
      if (names.size === 0) break;
      const lockFile = join(staging, '.requirements.lock');
      writeFileSync(lockFile, lockSubset(request.lockText, names));
      const result = await run(request.python, [
        '-m', 'pip', 'download', '--no-deps', '--require-hashes', '--progress-bar', 'off', '--disable-pip-version-check', '--no-input',
        '--dest', staging, ...platformOptions(request.interpreter, request.distro, request.arch), ...indexArgs, '-r', lockFile,
      ]);
      rmSync(lockFile);
      if (result.exitCode === 0) break;
      const missing = missingPackage(result.stderr);
      if (!missing || !names.has(normalizeName(missing))) throw new BuildFailure(downloadError(result.stderr, request));
      fromSource.set(normalizeName(missing), `no wheel for ${request.distro.key} ${request.arch}`);
    }

    const manifest: Manifest = { built: {} };
    const blocks = requirementBlocks(request.lockText);
    for (const [name, reason] of fromSource) {
      manifest.built[name] = await buildFromSdist({
        python: request.python, name, lockBlock: blocks.get(name) ?? '', dir: staging, distro: request.distro, arch: request.arch,
        indexArgs, epoch: request.epoch, reason,
      }, log);
    }
    writeFileSync(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const files = resolveFiles(staging, request.packages, manifest);
    if (!files) throw new BuildFailure('pip downloaded files whose hashes are not all in the lock; regenerate the lock with pip-compile --generate-hashes');
    let bytes = 0;
    [...files.values()].sort().forEach((file, i) => {
      bytes += readFileSync(join(staging, file)).length;
      log.info(`wheel ${i + 1} of ${files.size}: ${file}`);
    });
    log.info(`Fetched ${files.size} wheels, ${(bytes / 1048576).toFixed(1)} MiB${fromSource.size ? `, ${fromSource.size} built from sdists` : ''}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    renameSync(staging, dir);
    pruneSiblings(root, key, scopePrefix(request));
    return wheelhouse(dir, files, manifest, request.lockText, false);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
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
