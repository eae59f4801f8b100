/**
 * A yum/dnf repository that only grows (charter §11): RPMs are added with createrepo_c
 * --update, never replaced nor removed; a name, version, release and arch already there is
 * refused (PH401) and leaves the repository byte for byte as it was; a meta default package
 * older than the newest one published is left out, so the default never moves back; with a
 * key, repomd.xml is signed (repomd.xml.asc). The new state is built in a directory beside the
 * repository, checked, and swapped in by rename: a failure leaves the repository untouched.
 */
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { BuildFailure, UsageError } from '../core/errors.js';
import { finding, type Finding } from '../core/finding.js';
import type { Log } from '../core/log.js';
import { detachSign, type Keyring } from '../tools/gpg.js';
import { removeScratch, scratchDir } from '../tools/lifecycle.js';
import { lastLine, run } from '../tools/process.js';
import { requireTools } from '../tools/system.js';
import { publishedPackages, type PublishedPackage } from './published-repo.js';
import { compareVersionRelease } from './rpm-version.js';

/** Where added packages go inside the repository. */
const PACKAGES = 'Packages';
const RPM_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb]);

export interface PublishRequest {
  repo: string;
  rpms: string[];
  keyring?: Keyring;
}

interface Candidate extends PublishedPackage {
  file: string;
  buildTime: number;
  /** A meta default package: it ships a module's .modulerc.lua. */
  meta: boolean;
}

export interface PublishResult {
  repo: string;
  findings: Finding[];
  /** Files added, by their path inside the repository. */
  added: string[];
  /** Meta default packages left out, and why. */
  leftOut: Array<{ file: string; reason: string }>;
  /** Packages in the repository afterwards. */
  packages: number;
  revision?: number;
  signed: boolean;
}

const nevra = (p: PublishedPackage): string => `${p.name}-${p.version}-${p.release}.${p.arch}`;

async function readCandidate(file: string): Promise<Candidate> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`${file} does not exist or is not a file; pass the RPMs to publish`);
  const lead = readFileSync(file).subarray(0, 4);
  if (!lead.equals(RPM_MAGIC)) throw new UsageError(`${file} is not an RPM (it does not start with the RPM magic number)`);
  const q = await run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', '%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{BUILDTIME}\\t%{SOURCERPM}\\n[%{FILENAMES}\\n]', file]);
  if (q.exitCode !== 0) throw new UsageError(`${file} is not a readable RPM: ${lastLine(q.stderr)}`);
  const [head = '', ...files] = q.stdout.split('\n');
  const [name = '', version = '', release = '', arch = '', buildTime = '0', sourceRpm = ''] = head.split('\t');
  return {
    file, name, version, release, arch: sourceRpm === '(none)' ? 'src' : arch, buildTime: Number(buildTime) || 0,
    meta: files.some((f) => /^\/usr\/local\/phoreus\/modulefiles\/[^/]+\/\.modulerc\.lua$/.test(f)),
  };
}

/** Every file under a directory, relative to it. */
function filesUnder(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    return e.isDirectory() ? filesUnder(root, full) : [relative(root, full)];
  });
}

/** The repository's current state, laid out again beside it: packages hard-linked (never rewritten), repodata copied. */
function stageCopy(repo: string, stage: string): void {
  for (const file of filesUnder(repo)) {
    const target = join(stage, file);
    mkdirSync(dirname(target), { recursive: true });
    if (file.startsWith('repodata/')) {
      copyFileSync(join(repo, file), target);
    } else {
      linkSync(join(repo, file), target);
    }
  }
}

/** The revision of repomd.xml: SOURCE_DATE_EPOCH, else the newest build time among the packages and the previous revision. */
function revisionOf(candidates: readonly Candidate[], repomd: string | undefined): number {
  const fromEnv = Number(process.env.SOURCE_DATE_EPOCH);
  if (process.env.SOURCE_DATE_EPOCH && Number.isInteger(fromEnv) && fromEnv >= 0) return fromEnv;
  const previous = Number(/<revision>(\d+)<\/revision>/.exec(repomd ?? '')?.[1] ?? 0);
  return Math.max(previous, ...candidates.map((c) => c.buildTime));
}

/** Meta default packages not newer than the newest of their name: left out, so the default never moves back. Pure. */
export function staleMetaPackages(candidates: readonly Candidate[], published: readonly PublishedPackage[]): Map<string, string> {
  const stale = new Map<string, string>();
  for (const c of candidates.filter((x) => x.meta)) {
    const rivals = [...published, ...candidates.filter((x) => x !== c)].filter((p) => p.name === c.name && p.arch === c.arch);
    const newer = rivals.find((p) => compareVersionRelease(p, c) > 0);
    if (newer) stale.set(c.file, `${c.name} ${newer.version}-${newer.release} is newer: the default module stays ${newer.version}`);
  }
  return stale;
}

/** The repository's directory, and its repomd.xml when it already is a repository; refuses a directory that is neither. */
function openRepository(request: PublishRequest): { repo: string; repomdPath: string; exists: boolean } {
  const repo = resolve(request.repo);
  if (existsSync(repo) && !statSync(repo).isDirectory()) throw new UsageError(`${repo} is not a directory; --repo names the repository's directory`);
  const repomdPath = join(repo, 'repodata', 'repomd.xml');
  const exists = existsSync(repomdPath);
  if (!exists && existsSync(repo) && readdirSync(repo).length > 0) {
    throw new UsageError(`${repo} holds files but no repodata/repomd.xml: it is not a repository made by createrepo_c; give a new or empty directory, or the repository's own`);
  }
  if (exists && existsSync(`${repomdPath}.asc`) && !request.keyring) {
    throw new UsageError(`${repomdPath} is signed (repomd.xml.asc): give the signing key (--sign-key, the signing-key input) so that the new repomd.xml is signed too`);
  }
  if (request.rpms.length === 0) throw new UsageError('nothing to publish: pass one or more RPMs');
  return { repo, repomdPath, exists };
}

/** PH401: nothing published is replaced, by its NEVRA or its file name; the same NEVRA twice is refused. */
function replacements(repo: string, candidates: readonly Candidate[], published: readonly PublishedPackage[]): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<string, string>();
  for (const c of candidates) {
    const same = published.find((p) => nevra(p) === nevra(c));
    const twice = seen.get(nevra(c));
    const file = join(PACKAGES, basename(c.file));
    if (same) {
      findings.push(finding('PH401', basename(c.file), 1, `${nevra(c)} is already published in ${repo}: a released package is never replaced (charter §11); bump the version, or the release for a rebuild`));
    } else if (twice) {
      throw new UsageError(`${basename(c.file)} and ${basename(twice)} are both ${nevra(c)}; publish one`);
    } else if (existsSync(join(repo, file))) {
      findings.push(finding('PH401', basename(c.file), 1, `${file} already exists in ${repo}: a published file is never replaced (charter §11)`));
    }
    seen.set(nevra(c), c.file);
  }
  return findings;
}

export async function publish(request: PublishRequest, log: Log): Promise<PublishResult> {
  await requireTools(['createrepo_c', 'rpm'], log);
  const { repo, repomdPath, exists } = openRepository(request);
  const candidates: Candidate[] = [];
  for (const file of request.rpms) candidates.push(await readCandidate(resolve(file)));
  const published = exists ? await publishedPackages(repo) : [];
  const result: PublishResult = { repo, findings: replacements(repo, candidates, published), added: [], leftOut: [], packages: published.length, signed: false };
  if (result.findings.length > 0) return result;

  const stale = staleMetaPackages(candidates, published);
  for (const [file, reason] of stale) {
    result.leftOut.push({ file, reason });
    log.warning(`${basename(file)} is left out: ${reason}`);
  }
  const adding = candidates.filter((c) => !stale.has(c.file));
  if (adding.length === 0) return result;

  const parent = dirname(repo);
  mkdirSync(parent, { recursive: true });
  const stage = scratchDir(`.${basename(repo)}.publish-`, parent);
  try {
    chmodSync(stage, existsSync(repo) ? statSync(repo).mode & 0o7777 : 0o755);
    if (existsSync(repo)) stageCopy(repo, stage);
    // A signature of the old repomd.xml does not sign the new one: it is made again below.
    rmSync(join(stage, 'repodata', 'repomd.xml.asc'), { force: true });
    mkdirSync(join(stage, PACKAGES), { recursive: true, mode: 0o755 });
    for (const c of adding) {
      const target = join(stage, PACKAGES, basename(c.file));
      copyFileSync(c.file, target);
      chmodSync(target, 0o644);
      result.added.push(join(PACKAGES, basename(c.file)));
    }
    const revision = revisionOf(adding, exists ? readFileSync(repomdPath, 'utf8') : undefined);
    const after = await updateRepodata(stage, revision, [...published, ...adding], log);
    if (request.keyring) {
      await detachSign(request.keyring, join(stage, 'repodata', 'repomd.xml'), join(stage, 'repodata', 'repomd.xml.asc'));
      result.signed = true;
    }
    swapIn(stage, repo);
    result.packages = after.length;
    result.revision = revision;
    return result;
  } finally {
    removeScratch(stage);
  }
}

/** createrepo_c on the staged copy; the new repodata must list every package it should. */
async function updateRepodata(stage: string, revision: number, expected: readonly PublishedPackage[], log: Log): Promise<PublishedPackage[]> {
  const created = await log.group('createrepo_c --update', () => run('createrepo_c', [
    '--update', '--keep-all-metadata', '--no-database', '--workers', '1',
    '--revision', String(revision), '--set-timestamp-to-revision', stage,
  ]));
  if (created.exitCode !== 0) throw new BuildFailure(`createrepo_c failed: ${lastLine(created.stderr) || lastLine(created.stdout)}`);
  const after = await publishedPackages(stage);
  const missing = expected.filter((p) => !after.some((q) => nevra(q) === nevra(p)));
  if (missing.length > 0) throw new BuildFailure(`the new repodata lacks ${missing.map(nevra).join(', ')}: nothing was published`);
  return after;
}

/** Puts the staged repository in the place of the old one: two renames, the old one restored if the second fails. */
function swapIn(stage: string, repo: string): void {
  if (!existsSync(repo)) {
    renameSync(stage, repo);
    return;
  }
  const previous = `${stage}.previous`;
  renameSync(repo, previous);
  try {
    renameSync(stage, repo);
  } catch (error) {
    renameSync(previous, repo);
    throw error;
  }
  rmSync(previous, { recursive: true, force: true });
}
