/**
 * The wheelhouse of one build: for every locked package, the one file the target installs,
 * each hashed against the lock before use. Files come from the blob store (the cache kept
 * between runs, shared by every tool and lock) when the target's earlier choice is there,
 * and are otherwise fetched from the indexes several at a time, each hashed as it streams
 * (or, when pip's configuration holds what the tool does not read, downloaded with pip
 * --require-hashes --no-deps for the target's glibc, ABI and arch), then kept. Packages without a compatible wheel (or forced to) are built here
 * from their hash-verified sdist, every time: a wheel built from source is never taken from
 * a cache, since no lock hash could vouch for it.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildFailure } from '../core/errors.js';
import { manylinuxTags, type Arch, type Distro } from '../plan/distros.js';
import type { LockedPackage } from '../checks/lockfile.js';
import { lockSubset, withExtraHashes } from '../requirements/blocks.js';
import { normalizeName } from '../requirements/pep508.js';
import type { Log } from '../core/log.js';
import { redact } from '../core/redact.js';
import { BlobStore, sha256File } from '../tools/blob-store.js';
import { cacheRoot } from '../tools/cache-dir.js';
import { failingIndex, indexTimeout, indexUrls, missingPackage, pipIndexArgs } from '../tools/index-access.js';
import { pipSources } from '../tools/pip-sources.js';
import { run } from '../tools/process.js';
import { IndexReader, LeaveToPip } from './index-fetch.js';
import { buildFromSdist, type SourceBuilt } from './source-build.js';
import { sdistFits, supportedTags, wheelFits } from './wheel-tags.js';

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
  /** This build's own directory for the wheelhouse (inside its work directory). */
  dir: string;
  /** The project, for the build locks of packages built from their sdist. */
  project: string;
}

export interface Wheelhouse {
  dir: string;
  /** File name of each package's wheel, by normalized name. */
  files: Map<string, string>;
  /** True when every file came from the store: the package index was not contacted. */
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

/** Bytes the blob store may hold before its least recently used files go (PHOREUS_RPM_CACHE_MAX_MB, default 10 GiB). */
export function storeLimit(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.PHOREUS_RPM_CACHE_MAX_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : 10_240) * 1024 * 1024;
}

/**
 * The target's earlier choices: "name==version" (or "sdist:name==version") → sha256. Read
 * from the cache, so only a hint: a choice counts when the lock allows its digest, the blob
 * hashes to it and its file fits the target.
 */
type Choices = Record<string, string>;

const choicesFile = (request: Pick<WheelhouseRequest, 'interpreter' | 'distro' | 'arch'>): string =>
  join(cacheRoot(), 'choices', `${request.arch}-${request.distro.key}-py${request.interpreter}.json`);

function readChoices(file: string): Choices {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

function writeChoices(file: string, update: Choices): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const merged = { ...readChoices(file), ...update };
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(merged, null, 1)}\n`);
  renameSync(temp, file);
}

const choiceKey = (p: LockedPackage, sdist: boolean): string => `${sdist ? 'sdist:' : ''}${normalizeName(p.name)}==${p.version}`;

class WheelhouseFetch {
  private readonly store = new BlobStore(join(cacheRoot(), 'blobs'));
  private readonly supported: Set<string>;
  private readonly choices: Choices;
  private readonly chosen: Choices = {};
  private readonly used = new Set<string>();
  readonly files = new Map<string, string>();
  readonly sdists = new Map<string, string>();
  private contacted = false;

  constructor(private readonly request: WheelhouseRequest, private readonly log: Log) {
    this.supported = supportedTags(request.interpreter, request.distro, request.arch);
    this.choices = readChoices(choicesFile(request));
  }

  /** Takes a package's earlier choice from the store, checked end to end; false when it cannot be used. */
  async fromStore(p: LockedPackage, sdist: boolean): Promise<boolean> {
    const digest = this.choices[choiceKey(p, sdist)];
    if (!digest || !p.hashes.includes(digest)) return false;
    const placed = await this.store.place(digest, this.request.dir);
    if (!placed) return false;
    if (sdist ? !sdistFits(placed.name, p) : !wheelFits(placed.name, p, this.supported)) {
      rmSync(placed.path, { force: true });
      return false;
    }
    this.keep(p, sdist, digest, placed.name);
    return true;
  }

  private keep(p: LockedPackage, sdist: boolean, digest: string, file: string): void {
    this.used.add(digest);
    this.chosen[choiceKey(p, sdist)] = digest;
    (sdist ? this.sdists : this.files).set(normalizeName(p.name), file);
  }

  /**
   * Fetches the packages' files, straight from the indexes pip would read, or through pip when
   * its configuration says more than the tool reads. Packages without a compatible wheel go
   * to `noWheel`; a package without a locked sdist is refused.
   */
  async download(packages: readonly LockedPackage[], sdist: boolean, noWheel: Map<string, string>): Promise<void> {
    const r = this.request;
    const wanted = packages.filter((p) => !noWheel.has(normalizeName(p.name)));
    if (wanted.length === 0) return;
    this.contacted = true;
    const reader = this.reader();
    if ('pipOnly' in reader) {
      this.log.info(`Fetching through pip: ${reader.pipOnly}`);
      return this.downloadWithPip(wanted, sdist, noWheel);
    }
    try {
      const { fetched, none } = await reader.fetch(wanted, sdist, this.supported, r.dir);
      for (const f of fetched) {
        await this.store.add(f.path, f.digest);
        this.keep(f.pkg, sdist, f.digest, f.file);
      }
      const [first] = none;
      if (first && sdist) throw new BuildFailure(noFileAdvice(first.name, r));
      for (const p of none) noWheel.set(normalizeName(p.name), `no wheel for ${r.distro.key} ${r.arch}`);
    } catch (error) {
      if (!(error instanceof LeaveToPip)) throw error;
      this.direct = { pipOnly: `the index's certificate (${error.message}) is left to pip's trust store` };
      this.log.info(`Fetching through pip: ${this.direct.pipOnly}`);
      await this.downloadWithPip(wanted, sdist, noWheel);
    }
  }

  private direct?: IndexReader | { pipOnly: string };

  private reader(): IndexReader | { pipOnly: string } {
    if (!this.direct) {
      const r = this.request;
      const sources = pipSources(r, r.lockText, r.python);
      this.direct = 'pipOnly' in sources ? sources : new IndexReader(sources, indexTimeout());
    }
    return this.direct;
  }

  /** pip download into a staging directory, keeping each file whose digest the lock allows; pip stops at the first package without a compatible wheel. */
  private async downloadWithPip(packages: readonly LockedPackage[], sdist: boolean, noWheel: Map<string, string>): Promise<void> {
    const r = this.request;
    let wanted = packages.filter((p) => !noWheel.has(normalizeName(p.name)) && !(sdist ? this.sdists : this.files).has(normalizeName(p.name)));
    while (wanted.length > 0) {
      const staging = join(r.dir, `.download-${sdist ? 'sdist' : 'wheel'}`);
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging, { recursive: true });
      const lockFile = join(r.dir, '.requirements.lock');
      writeFileSync(lockFile, lockSubset(r.lockText, new Set(wanted.map((p) => normalizeName(p.name)))));
      const result = await run(r.python, [
        '-m', 'pip', 'download', '--no-deps', '--require-hashes', '--progress-bar', 'off', '--disable-pip-version-check', '--no-input',
        '--dest', staging, ...(sdist ? [`--no-binary=${wanted.map((p) => normalizeName(p.name)).join(',')}`] : platformOptions(r.interpreter, r.distro, r.arch)), ...pipIndexArgs(r), '-r', lockFile,
      ]);
      rmSync(lockFile, { force: true });
      await this.keepDownloads(staging, wanted, sdist);
      rmSync(staging, { recursive: true, force: true });
      if (result.exitCode === 0) break;
      const missing = missingPackage(result.stderr);
      const index = missing ? await failingIndex(missing, indexUrls(r)) : undefined;
      if (index) throw new BuildFailure(`${index}: fix the index or the network, then build again (pip: ${redact(firstError(result.stderr))})`);
      if (!missing || sdist || !wanted.some((p) => normalizeName(p.name) === normalizeName(missing))) throw new BuildFailure(downloadError(result.stderr, r));
      noWheel.set(normalizeName(missing), `no wheel for ${r.distro.key} ${r.arch}`);
      wanted = wanted.filter((p) => !noWheel.has(normalizeName(p.name)) && !this.files.has(normalizeName(p.name)));
    }
  }

  private async keepDownloads(staging: string, wanted: readonly LockedPackage[], sdist: boolean): Promise<void> {
    for (const file of readdirSync(staging)) {
      const path = join(staging, file);
      if (!statSync(path).isFile()) continue;
      const digest = await sha256File(path);
      const pkg = wanted.find((p) => p.hashes.includes(digest));
      const fits = pkg && (sdist ? sdistFits(file, pkg) : wheelFits(file, pkg, this.supported));
      if (!pkg || !fits) {
        throw new BuildFailure(`pip downloaded ${file}, whose sha256 ${digest.slice(0, 16)}… the lock does not allow for a package it names (charter §13); investigate the index, then regenerate the lock`);
      }
      await this.store.add(path, digest);
      const placed = await this.store.place(digest, this.request.dir);
      if (!placed) throw new BuildFailure(`the wheelhouse cache in ${cacheRoot()} could not keep ${file}; check its disk space and permissions`);
      this.keep(pkg, sdist, digest, placed.name);
    }
  }

  finish(): { fromCache: boolean } {
    writeChoices(choicesFile(this.request), this.chosen);
    const { removed } = this.store.evict(storeLimit(), this.used);
    if (removed > 0) this.log.info(`Wheelhouse cache: removed ${removed} least recently used file(s) to stay under ${Math.round(storeLimit() / 1048576)} MiB`);
    return { fromCache: !this.contacted };
  }
}

export async function fetchWheelhouse(request: WheelhouseRequest, log: Log): Promise<Wheelhouse> {
  mkdirSync(request.dir, { recursive: true });
  const fetch = new WheelhouseFetch(request, log);
  const fromSource = new Map<string, string>([...request.forceSource].map(([name, reason]) => [normalizeName(name), `forceSource: ${reason}`]));
  const fromIndex = request.packages.filter((p) => !fromSource.has(normalizeName(p.name)));

  const missing: LockedPackage[] = [];
  for (const p of fromIndex) if (!(await fetch.fromStore(p, false))) missing.push(p);
  if (missing.length < fromIndex.length) log.info(`${fromIndex.length - missing.length} of ${fromIndex.length} wheels from the cache (each hashed against the lock)`);
  if (missing.length > 0) {
    log.info(`Fetching ${missing.length} locked packages for cp${request.interpreter.replace('.', '')} on ${request.distro.key} (glibc ${request.distro.glibc.join('.')}) ${request.arch}`);
    await fetch.download(missing, false, fromSource);
  }

  const needSdist = request.packages.filter((p) => fromSource.has(normalizeName(p.name)));
  const sdistsMissing: LockedPackage[] = [];
  for (const p of needSdist) if (!(await fetch.fromStore(p, true))) sdistsMissing.push(p);
  if (sdistsMissing.length > 0) await fetch.download(sdistsMissing, true, new Map());

  const built = new Map<string, SourceBuilt>();
  const lockedPip = fetch.files.get('pip');
  for (const [name, reason] of fromSource) {
    const sdist = fetch.sdists.get(name);
    const pkg = request.packages.find((p) => normalizeName(p.name) === name);
    if (!sdist || !pkg) continue; // a skipped package, or one not locked for this target
    built.set(name, await buildFromSdist({
      python: request.python, interpreter: request.interpreter, name: pkg.name, version: pkg.version,
      sdist: join(request.dir, sdist), sdistSha256: await sha256File(join(request.dir, sdist)), dir: request.dir, project: request.project,
      distro: request.distro, arch: request.arch, indexArgs: pipIndexArgs(request), epoch: request.epoch, reason,
      ...(lockedPip && /^pip-[^-]+-py3-none-any\.whl$/.test(lockedPip) ? { lockedPip: join(request.dir, lockedPip) } : {}),
    }, log));
  }
  for (const [name, b] of built) fetch.files.set(name, b.wheel);

  const unmatched = request.packages.filter((p) => !fetch.files.has(normalizeName(p.name)));
  if (unmatched.length > 0) throw new BuildFailure(`no file for ${unmatched.map((p) => `${p.name}==${p.version}`).join(', ')} matches the lock's hashes; regenerate the lock with pip-compile --generate-hashes`);
  const { fromCache } = fetch.finish();
  let bytes = 0;
  [...fetch.files.values()].sort().forEach((file, i) => {
    bytes += statSync(join(request.dir, file)).size;
    log.info(`wheel ${i + 1} of ${fetch.files.size}: ${file}`);
  });
  log.info(`${fromCache ? 'Wheelhouse from the cache, the package index not contacted' : 'Fetched the wheelhouse'}: ${fetch.files.size} wheels, ${(bytes / 1048576).toFixed(1)} MiB${built.size ? `, ${built.size} built from sdists` : ''}`);
  const installLock = withExtraHashes(request.lockText, new Map([...built].map(([name, b]) => [name, b.sha256])));
  return { dir: request.dir, files: fetch.files, fromCache: fromCache && built.size === 0, built, installLock };
}

/** pip's first "ERROR:" line, for a message that shows what pip said without its whole output. */
function firstError(stderr: string): string {
  return stderr.split('\n').find((l) => l.startsWith('ERROR:'))?.slice(7).trim() ?? stderr.trim().split('\n').pop() ?? '';
}

function noFileAdvice(name: string, request: WheelhouseRequest): string {
  return `${name} has no wheel for CPython ${request.interpreter} on ${request.distro.key} ${request.arch} (glibc ${request.distro.glibc.join('.')}) and no sdist with a locked hash: build in a container of the target distro (\`container: ${request.distro.image}\` in the workflow), or pin a version that publishes a compatible wheel`;
}

function downloadError(stderr: string, request: WheelhouseRequest): string {
  const missing = missingPackage(stderr);
  if (missing) return noFileAdvice(missing, request);
  if (/THESE PACKAGES DO NOT MATCH THE HASHES/.test(stderr)) {
    const pkg = /^\s+([A-Za-z0-9._-]+)==\S+ from /m.exec(stderr)?.[1] ?? 'a package';
    return `hash verification failed for ${pkg}: the index served a file whose sha256 is not in the lock (charter §13); investigate the upstream change, then regenerate the lock`;
  }
  return `fetching the wheelhouse failed: ${redact(firstError(stderr) || 'pip download failed')}`;
}
