/**
 * The steps of one build, each timed for the summary: verification, the wheelhouse, the
 * application wheel, the identity, the published-repository check, the packages and their
 * audit, the signatures. The findings and facts each step adds are kept for the result.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { audit, type AuditResult } from '../audit/audit.js';
import type { SmokeTestRun } from '../audit/smoke-test.js';
import { checkToolName, checkToolVersion } from '../checks/identity.js';
import type { LockedPackage } from '../checks/lockfile.js';
import { verify, type VerifyResult } from '../checks/verify.js';
import type { EffectiveConfig } from '../config/config.js';
import { BuildFailure, UsageError } from '../core/errors.js';
import { readText } from '../core/files.js';
import { countBySeverity, finding, sortFindings, type Finding } from '../core/finding.js';
import { DEFAULT_INTERPRETER_HOME, DEFAULT_INTERPRETER_MODULE, expandPython, packageName, venvPath, type PackageIdentity } from '../core/layout.js';
import type { Log } from '../core/log.js';
import { redact } from '../core/redact.js';
import { waivedLines, waivedParagraphs, type Waiver } from '../core/waivers.js';
import type { BuildOptions } from '../inputs/options.js';
import type { Arch, Distro } from '../plan/distros.js';
import { resolveVersion } from '../plan/identity.js';
import type { PlatformPlan } from '../plan/platform-plan.js';
import { publishedPackages } from '../publish/published-repo.js';
import { signPackages } from '../publish/sign.js';
import { withoutRequirements } from '../requirements/blocks.js';
import { requirementEntries, type RequirementsFile } from '../requirements/parse.js';
import { normalizeName } from '../requirements/pep508.js';
import { BUILD_LOCK, buildAppWheel, isApplicationProject, lockedBuilder, type AppWheel } from '../rpm/app-wheel.js';
import { buildPackages, place, type BuildArtifacts, type PackageInput } from '../rpm/package.js';
import { PACKAGE_BUILD_LOCKS, type SourceBuilt } from '../rpm/source-build.js';
import { fetchWheelhouse, type Wheelhouse } from '../rpm/wheelhouse.js';
import { closeKeyring, openKeyring } from '../tools/gpg.js';
import { removeScratch, scratchDir } from '../tools/lifecycle.js';

/** A place that keeps the wheelhouse between runs: restored before the fetch, saved right after it. */
export interface WheelhouseStore {
  restore(scope: { interpreter: string; distro: string; arch: string; lockText: string }): Promise<void>;
  save(scope: { interpreter: string; distro: string; arch: string; lockText: string }): Promise<void>;
}

/** What a build is given besides the user's inputs: the services of the place it runs in. */
export interface BuildServices {
  /** Where the wheelhouse is kept between runs (GitHub's cache on a runner). */
  store?: WheelhouseStore;
}

export class Build {
  readonly timings: Record<string, number> = {};
  readonly findings: Finding[] = [];
  secrets: string[] = [];
  interpreter = '';
  skipped: Array<{ name: string; reason: string }> = [];
  sourceBuilds: SourceBuilt[] = [];
  smokeTest: SmokeTestRun | undefined;
  payload: { files: number; bytes: number } | undefined;
  private lockName = 'requirements.lock';
  readonly work = scratchDir('phoreus-build-');

  constructor(
    private readonly options: BuildOptions,
    private readonly services: BuildServices,
    private readonly log: Log,
    readonly distro: Distro,
    readonly arch: Arch,
  ) {}

  cleanup(): void {
    removeScratch(this.work);
  }

  /** The findings so far, in their stable order. */
  sortedFindings(): Finding[] {
    return sortFindings(this.findings);
  }

  /**
   * The release key is tried before anything is built, so that a wrong key or passphrase stops
   * the build at once, and then put away: no keyring exists while the project's and the locked
   * packages' code runs (build backends, sdists, rpmbuild), only while signing.
   */
  async tryKey(): Promise<void> {
    const signing = this.options.signing;
    if (signing) await closeKeyring(await openKeyring(signing.key, signing.passphrase, signing.source, this.log));
  }

  private async sign(files: string[]): Promise<void> {
    const signing = this.options.signing;
    if (!signing) return;
    const keyring = await openKeyring(signing.key, signing.passphrase, signing.source, this.log);
    try {
      await signPackages(keyring, files, this.log);
    } finally {
      await closeKeyring(keyring);
    }
  }

  private async timed<T>(phase: string, body: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await this.log.group(phase, body);
    } finally {
      this.timings[phase] = Math.round(performance.now() - start) / 1000;
    }
  }

  private get indexOptions(): { indexUrl?: string; extraIndexUrls: string[]; findLinks: string[] } {
    return { extraIndexUrls: this.options.extraIndexUrls, findLinks: this.options.findLinks, ...(this.options.indexUrl ? { indexUrl: this.options.indexUrl } : {}) };
  }

  /** Step 1: the lockfile rules, offline; an error stops the build before anything is built. */
  async verify(): Promise<VerifyResult> {
    const version = resolveVersion({ ...(this.options.version ? { version: this.options.version } : {}), ...(this.options.refName ? { refName: this.options.refName } : {}) });
    const result = await this.timed('Verify the lock', () => verify({ ...this.options, offline: true, ...(version ? { version } : {}) }, this.log, this.arch));
    this.findings.push(...result.findings);
    this.secrets = result.secrets;
    this.interpreter = result.interpreter;
    this.lockName = result.lock;
    return result;
  }

  /**
   * Step 2: everything the build takes from the package index — every locked file but the
   * skipped ones, for the target's glibc, ABI and arch, and the application's locked build
   * backend — then kept in the store, if there is one, right away.
   */
  async fetch(python: string, lock: { text: string; file: RequirementsFile }, packages: LockedPackage[], platform: PlatformPlan, epoch: number): Promise<{ wheelhouse: Wheelhouse; builder?: string }> {
    const lockText = lock.text;
    const scope = { interpreter: this.interpreter, distro: this.distro.key, arch: this.arch, lockText: `${lockText}\0${this.buildLockText()}` };
    await this.services.store?.restore(scope);
    return this.timed('Fetch the wheelhouse', async () => {
      const wheelhouse = await fetchWheelhouse({
        python, interpreter: this.interpreter, distro: this.distro, arch: this.arch, epoch, ...this.indexOptions,
        lockText: withoutRequirements(lockText, new Set(platform.skip.keys())),
        packages: packages.filter((p) => !platform.skip.has(normalizeName(p.name))),
        forceSource: platform.forceSource,
        dir: join(this.work, 'wheelhouse'), project: this.options.project,
      }, this.log);
      this.sourceBuilds = [...wheelhouse.built.values()].sort((a, b) => a.name.localeCompare(b.name));
      for (const b of this.sourceBuilds) {
        if (b.pinnedBy || !b.unpinned?.length) continue;
        this.findings.push(finding('PH116', this.lockName, lineOfPin(lock.file, b.name), `${b.name} ${b.version} was built from its sdist with ${b.generator ?? b.backend}, which pip's build isolation resolved from the index at build time (unpinned: ${b.unpinned.join(', ')}); pin them in ${PACKAGE_BUILD_LOCKS}/${normalizeName(b.name)}.lock (pip-compile --generate-hashes --allow-unsafe) or in ${BUILD_LOCK}`));
      }
      const builder = isApplicationProject(this.options.project) ? await lockedBuilder(this.options.project, python, this.log) : undefined;
      await this.services.store?.save(scope);
      return { wheelhouse, ...(builder ? { builder } : {}) };
    });
  }

  private buildLockText(): string {
    const path = join(this.options.project, BUILD_LOCK);
    return existsSync(path) ? readText(path, this.options.project) : '';
  }

  /** Step 3: the application wheel, when the project is an application and not only a lock. */
  async appWheel(python: string, builder: string | undefined, epoch: number): Promise<AppWheel | undefined> {
    if (!isApplicationProject(this.options.project)) {
      this.log.info('No pyproject.toml or setup.py: the project is a lock of a third-party tool, nothing to build');
      return undefined;
    }
    return this.timed('Build the application wheel', async () => {
      const wheel = await buildAppWheel(this.options.project, python, builder, join(this.work, 'app'), epoch, this.log, this.indexOptions);
      if (!builder) {
        this.findings.push(finding('PH114', 'pyproject.toml', 1, 'the build backend of the application wheel is not pinned: pip resolved it from the index at build time; add requirements-build.lock (`pip-compile --generate-hashes --allow-unsafe --output-file=requirements-build.lock` from a requirements-build.in listing the [build-system] requires)'));
      }
      return wheel;
    });
  }

  /**
   * Step 4: which tool and version this is, once the application's metadata is known: as
   * known before the build (`early`), else from the application wheel, else the lock's pin.
   */
  identity(config: EffectiveConfig, early: { tool?: string; version?: string }, app: AppWheel | undefined, packages: LockedPackage[]): PackageIdentity {
    const tool = early.tool ?? (app ? normalizeName(app.name) : undefined);
    if (!tool) throw new UsageError('the project is only a lock and names no tool: pass --tool (the action\'s tool input) or set tool.name in phoreus.yaml');
    const version = early.version ?? app?.version ?? packages.find((p) => normalizeName(p.name) === normalizeName(tool))?.version;
    if (!version) throw new UsageError(`no version for ${tool}: pass --version, push a v-prefixed tag, or pin ${tool} in requirements.in`);
    const unsafe = [...checkToolName(tool, { file: '.', line: 1 }), ...checkToolVersion(version, { file: '.', line: 1 })];
    if (unsafe.length > 0) {
      this.findings.push(...unsafe);
      throw new BuildFailure('the tool name or version is not safe');
    }
    return {
      tool, version, release: this.release(config), interpreter: this.interpreter,
      interpreterHome: expandPython(this.options.interpreterHome ?? config.policy['interpreter-home'] ?? DEFAULT_INTERPRETER_HOME, this.interpreter),
      interpreterModule: expandPython(this.options.interpreterModule ?? config.policy['interpreter-module'] ?? DEFAULT_INTERPRETER_MODULE, this.interpreter),
    };
  }

  release(config: EffectiveConfig): string {
    return this.options.release ?? config.tool.release ?? '1';
  }

  /**
   * PH401 (charter §11): a released version is never rebuilt in place. Checked once, as soon
   * as the name, version and release are known.
   */
  async refuseRepublication(tool: string, version: string, release: string): Promise<void> {
    const repo = this.options.publishedRepo;
    if (!repo) return;
    const name = packageName({ tool, version });
    const fullRelease = `${release}${this.distro.dist}`;
    const published = await this.timed('Check the published repository', () => publishedPackages(repo));
    const same = published.find((p) => p.name === name && p.version === version && p.release === fullRelease && (p.arch === this.arch || p.arch === 'src'));
    if (!same) {
      this.log.info(`${name}-${version}-${fullRelease} is not in ${redact(repo)} yet`);
      return;
    }
    this.findings.push(finding('PH401', '.', 1, `${name}-${version}-${fullRelease}.${same.arch} is already published in ${redact(repo)}: a released version is never rebuilt in place (charter §11); bump the version, or the release (release input) for a rebuild of the same version`));
    throw new BuildFailure(`${name}-${version}-${fullRelease} is already published`);
  }

  /**
   * Steps 5 and 6: the RPM and SRPM, then their audit; only an RPM that passes reaches the
   * output, signed when a key is given. When the audit waives findings, the packages are
   * built again with a description that names them (known only once the RPM is audited), so
   * the RPM says what was accepted and the SRPM rebuilds to the same description.
   */
  async packageAndAudit(input: Omit<PackageInput, 'work' | 'distro' | 'arch'>, waivers: readonly Waiver[]): Promise<BuildArtifacts | undefined> {
    const auditOf = (built: BuildArtifacts): Promise<AuditResult> => audit({
      rpm: built.rpm, interpreter: this.interpreter, distro: this.distro.key, modulefile: built.modulefile,
      interpreterHome: input.id.interpreterHome, interpreterModule: input.id.interpreterModule,
      buildPaths: [this.work, input.wheelhouse.dir, input.project],
      waiversFor: () => waivers,
      ...(this.options.smokeTest ? { smokeTest: { ...this.options.smokeTest, ...(this.options.python ? { python: this.options.python } : {}) } } : {}),
    }, this.log);
    const venv = venvPath(input.id);
    let built = await this.timed('Build the RPM and SRPM', () => buildPackages({ ...input, work: this.work, distro: this.distro, arch: this.arch }, this.log));
    let audited = await this.timed('Audit the RPM', () => auditOf(built));
    const waived = waivedLines(audited.findings, venv);
    if (waived.length > 0 && countBySeverity(audited.findings).errors === 0) {
      const description = [...input.description, ...waivedParagraphs(waived)];
      built = await this.timed('Build the RPM and SRPM naming the waived findings', () => buildPackages({ ...input, description, work: join(this.work, 'waived'), distro: this.distro, arch: this.arch }, this.log));
      audited = await this.timed('Audit the RPM again', () => auditOf(built));
      if (waivedLines(audited.findings, venv).join('\n') !== waived.join('\n')) {
        throw new BuildFailure('the second build\'s waived findings differ from the first\'s, so its description cannot name them: the build is not reproducible; look for files that change between builds');
      }
    }
    this.findings.push(...audited.findings);
    if (audited.smokeTest) this.smokeTest = audited.smokeTest;
    this.payload = { files: audited.files, bytes: audited.bytes };
    if (countBySeverity(audited.findings).errors > 0) return undefined;
    // Signed only once the audit has passed: a signature vouches for an audited package.
    if (this.options.signing) await this.timed('Sign the RPM and SRPM', () => this.sign([built.rpm, ...(built.metaRpm ? [built.metaRpm] : []), built.srpm]));
    return place(built, this.options.out, input.id);
  }
}

/** The 1-based line where the lock pins a package (1 when it cannot be found). */
function lineOfPin(lock: RequirementsFile, name: string): number {
  return requirementEntries(lock).find((e) => e.requirement && normalizeName(e.requirement.name) === normalizeName(name))?.line ?? 1;
}
