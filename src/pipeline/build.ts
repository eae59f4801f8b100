/**
 * The build (charter §3, §5, §7, §8, §9, §11): verification, wheelhouse, application wheel,
 * packages, audit, signature. One method per step; each step is timed for the summary.
 * Nothing is written to the output directory on failure but the report and, when rpmbuild
 * failed, its whole output (rpmbuild.log).
 */
import { existsSync } from 'node:fs';
import { writeWhole } from '../core/files.js';
import { outward } from '../core/outward.js';
import { join } from 'node:path';
import { audit, type AuditResult } from '../audit/audit.js';
import type { SmokeTestRun } from '../audit/smoke-test.js';
import { effectiveConfig, type EffectiveConfig, type LoadedConfig } from '../config/config.js';
import { countBySeverity, sortFindings, type Finding, finding } from '../core/finding.js';
import { checkToolName, checkToolVersion } from '../checks/identity.js';
import { waivedLines, waivedParagraphs, type Waiver } from '../core/waivers.js';
import { lockedPackages, type LockedPackage } from '../checks/lockfile.js';
import { verify, type VerifyResult } from '../checks/verify.js';
import { checkValues, type BuildOptions } from '../inputs/options.js';
import { UsageError, BuildFailure } from '../core/errors.js';
import { ARCHES, distro as lookupDistro, hostArch, platformKey, type Arch, type Distro } from '../plan/distros.js';
import { resolveTool, resolveVersion, type IdentitySources } from '../plan/identity.js';
import { platformPlan, skipFindings, type PlatformPlan } from '../plan/platform-plan.js';
import { readPyproject } from '../plan/project.js';
import { withoutRequirements } from '../requirements/blocks.js';
import { normalizeName } from '../requirements/pep508.js';
import type { Log } from '../core/log.js';
import { sourceDateEpoch } from '../tools/epoch.js';
import { removeScratch, scratchDir } from '../tools/lifecycle.js';
import { findPython } from '../tools/python.js';
import { requireTools } from '../tools/system.js';
import { BUILD_LOCK, buildAppWheel, isApplicationProject, lockedBuilder, type AppWheel } from '../rpm/app-wheel.js';
import { packageName, DEFAULT_INTERPRETER_HOME, DEFAULT_INTERPRETER_MODULE, expandPython, venvPath, type PackageIdentity } from '../core/layout.js';
import { buildPackages, place, type BuildArtifacts } from '../rpm/package.js';
import { PACKAGE_BUILD_LOCKS, type SourceBuilt } from '../rpm/source-build.js';
import { fetchWheelhouse, type Wheelhouse } from '../rpm/wheelhouse.js';
import { publishedPackages } from '../publish/published-repo.js';
import { redact } from '../core/redact.js';
import { closeKeyring, openKeyring } from '../tools/gpg.js';
import { signPackages } from '../publish/sign.js';
import { readText } from '../core/files.js';

export interface BuildResult {
  ok: boolean;
  findings: Finding[];
  secrets: string[];
  interpreter: string;
  distro: string;
  arch: string;
  identity?: PackageIdentity;
  artifacts?: BuildArtifacts;
  wheels: number;
  wheelhouseFromCache: boolean;
  /** The audited payload: entries and bytes. */
  payload?: { files: number; bytes: number };
  /** Packages left out on this platform, with the reason the configuration gives. */
  skipped: Array<{ name: string; reason: string }>;
  /** Packages whose wheel was built here from their sdist, and what built it. */
  sourceBuilds: SourceBuilt[];
  /** Seconds per phase. */
  timings: Record<string, number>;
  /** The configuration in force, after merging, as shipped in the SRPM and RPM. */
  config: Record<string, unknown>;
  /** What the smoke test ran, when it ran. */
  smokeTest?: SmokeTestRun;
  /** Why the build stopped, when it did. */
  failure?: string;
}

function targetArch(asked: string | undefined): Arch {
  const arch = hostArch();
  if (asked && !(ARCHES as readonly string[]).includes(asked)) throw new UsageError(`arch "${asked}" is not one of ${ARCHES.join(', ')}`);
  if (asked && asked !== arch) {
    throw new UsageError(`a virtual environment cannot be cross-built: this runner is ${arch}, the target is ${asked}; run the job on an ${asked} runner (for aarch64: runs-on: ubuntu-24.04-arm)`);
  }
  return arch;
}

class Build {
  readonly timings: Record<string, number> = {};
  readonly findings: Finding[] = [];
  secrets: string[] = [];
  interpreter = '';
  skipped: Array<{ name: string; reason: string }> = [];
  sourceBuilds: SourceBuilt[] = [];
  private lockName = 'requirements.lock';
  private readonly work = scratchDir('phoreus-build-');

  constructor(
    private readonly options: BuildOptions,
    private readonly log: Log,
    private readonly distro: Distro,
    private readonly arch: Arch,
  ) {}

  cleanup(): void {
    removeScratch(this.work);
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

  stop(failure: string, identity?: PackageIdentity): BuildResult {
    return {
      ok: false, findings: sortFindings(this.findings), secrets: this.secrets, interpreter: this.interpreter, distro: this.distro.key, arch: this.arch,
      wheels: 0, wheelhouseFromCache: false, skipped: this.skipped, sourceBuilds: this.sourceBuilds, timings: this.timings, config: {}, failure, ...(identity ? { identity } : {}),
    };
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

  /** Step 1: the lockfile rules; an error stops the build before anything is built. */
  async verify(): Promise<VerifyResult> {
    const version = resolveVersion({ ...(this.options.version ? { version: this.options.version } : {}), ...(this.options.refName ? { refName: this.options.refName } : {}) });
    const result = await this.timed('Verify the lock', () => verify({ ...this.options, offline: true, ...(version ? { version } : {}) }, this.log));
    this.findings.push(...result.findings);
    this.secrets = result.secrets;
    this.interpreter = result.interpreter;
    this.lockName = result.lock;
    return result;
  }

  /**
   * Step 2: everything the build takes from the package index — every locked file but the
   * skipped ones, for the target's glibc, ABI and arch, and the application's locked build
   * backend — then kept in the cache, if there is one, right away.
   */
  async fetch(python: string, lockText: string, packages: LockedPackage[], plan: PlatformPlan, epoch: number): Promise<{ wheelhouse: Wheelhouse; builder?: string }> {
    const scope = { interpreter: this.interpreter, distro: this.distro.key, arch: this.arch, lockText: `${lockText}\0${this.buildLockText()}` };
    await this.options.store?.restore(scope);
    return this.timed('Fetch the wheelhouse', async () => {
      const wheelhouse = await fetchWheelhouse({
        python, interpreter: this.interpreter, distro: this.distro, arch: this.arch, epoch, ...this.indexOptions,
        lockText: withoutRequirements(lockText, new Set(plan.skip.keys())),
        packages: packages.filter((p) => !plan.skip.has(normalizeName(p.name))),
        forceSource: plan.forceSource,
        dir: join(this.work, 'wheelhouse'), project: this.options.project,
      }, this.log);
      this.sourceBuilds = [...wheelhouse.built.values()].sort((a, b) => a.name.localeCompare(b.name));
      for (const b of this.sourceBuilds) {
        if (b.pinnedBy || !b.unpinned?.length) continue;
        this.findings.push(finding('PH116', this.lockName, lineOfPin(lockText, b.name), `${b.name} ${b.version} was built from its sdist with ${b.generator ?? b.backend}, which pip's build isolation resolved from the index at build time (unpinned: ${b.unpinned.join(', ')}); pin them in ${PACKAGE_BUILD_LOCKS}/${normalizeName(b.name)}.lock (pip-compile --generate-hashes --allow-unsafe) or in ${BUILD_LOCK}`));
      }
      const builder = isApplicationProject(this.options.project) ? await lockedBuilder(this.options.project, python, this.log) : undefined;
      await this.options.store?.save(scope);
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

  /** Step 4: which tool and version this is, once the application's metadata is known. */
  identity(config: EffectiveConfig, app: AppWheel | undefined, packages: LockedPackage[]): PackageIdentity {
    const sources = identitySources(this.options, config);
    const tool = resolveTool(sources) ?? (app ? normalizeName(app.name) : undefined);
    if (!tool) throw new UsageError('the project is only a lock and names no tool: pass --tool (the action\'s tool input) or set tool.name in phoreus.yaml');
    const version = resolveVersion(sources) ?? app?.version ?? packages.find((p) => normalizeName(p.name) === normalizeName(tool))?.version;
    if (!version) throw new UsageError(`no version for ${tool}: pass --version, push a v-prefixed tag, or pin ${tool} in requirements.in`);
    const unsafe = [...checkToolName(tool, { file: '.', line: 1 }), ...checkToolVersion(version, { file: '.', line: 1 })];
    if (unsafe.length > 0) {
      this.findings.push(...unsafe);
      throw new BuildFailure('the tool name or version is not safe');
    }
    return {
      tool, version, release: this.options.release ?? config.tool.release ?? '1', interpreter: this.interpreter,
      interpreterHome: expandPython(this.options.interpreterHome ?? config.policy['interpreter-home'] ?? DEFAULT_INTERPRETER_HOME, this.interpreter),
      interpreterModule: expandPython(this.options.interpreterModule ?? config.policy['interpreter-module'] ?? DEFAULT_INTERPRETER_MODULE, this.interpreter),
    };
  }

  /**
   * PH401 (charter §11): a released version is never rebuilt in place. Checked as soon as the
   * name, version and release are known: before anything is built when inputs, tag or
   * metadata give them.
   */
  async refuseRepublication(tool: string, version: string, release: string): Promise<void> {
    const repo = this.options.publishedRepo;
    if (!repo || this.checkedPublication) return;
    this.checkedPublication = true;
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

  private checkedPublication = false;
  smokeTest: SmokeTestRun | undefined;
  payload: { files: number; bytes: number } | undefined;

  /**
   * Steps 5 and 6: the RPM and SRPM, then their audit; only an RPM that passes reaches the
   * output. When the audit waives findings, the packages are built again with a description
   * that names them (known only once the RPM is audited), so the RPM says what was accepted
   * and the SRPM rebuilds to the same description.
   */
  async packageAndAudit(input: Omit<Parameters<typeof buildPackages>[0], 'work' | 'distro' | 'arch'>, waivers: readonly Waiver[]): Promise<BuildArtifacts | undefined> {
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

/** Where the tool's name and version may come from before anything is built. */
function identitySources(options: BuildOptions, config: EffectiveConfig): IdentitySources {
  const pyproject = readPyproject(options.project);
  return {
    ...(options.tool ? { tool: options.tool } : {}),
    ...(options.version ? { version: options.version } : {}),
    ...(options.refName ? { refName: options.refName } : {}),
    ...(config.tool.name ? { configTool: config.tool.name } : {}),
    ...(config.tool.version ? { configVersion: config.tool.version } : {}),
    ...(pyproject.name ? { projectName: pyproject.name.value } : {}),
    ...(pyproject.version ? { projectVersion: pyproject.version.value } : {}),
  };
}

/** The 1-based line where the lock pins a package (1 when it cannot be found). */
function lineOfPin(lockText: string, name: string): number {
  const index = lockText.split('\n').findIndex((l) => normalizeName(/^([A-Za-z0-9._-]+)/.exec(l)?.[1] ?? '') === normalizeName(name));
  return index + 1 || 1;
}

/** One sdist build, for the RPM's description: what it was, what it became, and what built it. */
export function describeSourceBuild(b: SourceBuilt): string {
  return `${b.name} ${b.version} (sdist sha256:${b.sdistSha256}, wheel sha256:${b.sha256}, built by ${b.generator ?? b.backend}, ${b.pinnedBy ? `pinned by ${b.pinnedBy}` : b.unpinned?.length ? `backend not pinned: ${b.unpinned.join(', ')}` : 'no build requirements'})`;
}

function redactRegistries(options: BuildOptions, registries: Record<string, unknown>): Record<string, unknown> {
  // Credentials never leave the process: the report and the SRPM record only that an index was given.
  return {
    ...registries,
    ...(options.indexUrl ? { 'index-url': '(from the index-url input)' } : {}),
    ...(options.extraIndexUrls.length ? { 'extra-index-urls': options.extraIndexUrls.map(() => '(from the extra-index-url input)') } : {}),
  };
}

export async function build(options: BuildOptions, log: Log): Promise<BuildResult> {
  checkValues(options);
  const arch = targetArch(options.arch);
  const distro = lookupDistro(options.distro);
  const run = new Build(options, log, distro, arch);
  try {
    const verification = await run.verify();
    if (countBySeverity(run.findings).errors > 0) return run.stop('the lock verification found errors');
    await run.tryKey();
    return await buildVerified(run, verification, options, log, distro, arch);
  } catch (error) {
    if (error instanceof BuildFailure) return run.stop(keepFailureLog(error, options.out));
    throw error;
  } finally {
    run.cleanup();
  }
}

/**
 * The one line saying why the build stopped; the failed tool's whole output, when the failure
 * carries it, is kept in the output directory beside the report (masked and printable) and named.
 */
export function keepFailureLog(failure: BuildFailure, out: string): string {
  if (!failure.log) return failure.message;
  const path = join(out, failure.log.name);
  writeWhole(path, outward(failure.log.text));
  return `${failure.message} (its whole output: ${path})`;
}

async function buildVerified(run: Build, verification: VerifyResult, options: BuildOptions, log: Log, distro: Distro, arch: Arch): Promise<BuildResult> {
  const interpreter = verification.interpreter;
  const loaded: Pick<LoadedConfig, 'file' | 'index' | 'raw'> = verification.loaded ?? { file: 'phoreus.yaml', index: new Map(), raw: {} };
  const config = effectiveConfig(loaded, interpreter);
  const plan = platformPlan(config, platformKey(arch));
  run.findings.push(...skipFindings(plan, loaded, interpreter));
  run.skipped = [...plan.skip].map(([name, reason]) => ({ name, reason }));
  for (const { name, reason } of run.skipped) log.warning(`${name} is skipped on ${plan.platform}: ${reason}`);

  const sources = identitySources(options, config);
  const early = { tool: resolveTool(sources), version: resolveVersion(sources) };
  if (early.tool && early.version) await run.refuseRepublication(early.tool, early.version, options.release ?? config.tool.release ?? '1');

  await requireTools(['rpmbuild', 'rpm', 'rpm2cpio', 'tar'], log);
  const python = await findPython(interpreter, options.python);
  const epoch = await sourceDateEpoch(options.project);
  const lockText = readText(join(options.project, verification.lock), options.project);
  const packages = lockedPackages(lockText, interpreter, arch);
  const { wheelhouse, builder } = await run.fetch(python, lockText, packages, plan, epoch);
  const app = await run.appWheel(python, builder, epoch);
  const id = run.identity(config, app, packages);
  await run.refuseRepublication(id.tool, id.version, id.release);

  const inForce = {
    tool: { ...config.tool, name: id.tool, version: id.version, release: id.release },
    interpreter, distro: distro.key, arch, platform: plan.platform,
    policy: { ...config.policy, 'interpreter-home': id.interpreterHome, 'interpreter-module': id.interpreterModule },
    requirements: verification.requirements, lock: verification.lock,
    registries: redactRegistries(options, config.registries),
    module: config.module,
    ...(app ? { application: { name: app.name, version: app.version } } : {}),
    skipped: run.skipped.map((s) => s.name),
    skipReasons: Object.fromEntries(plan.skip),
    forceSource: Object.fromEntries(plan.forceSource),
    sourceBuilds: run.sourceBuilds,
    copyFiles: plan.copyFiles,
    ...(config.waivers.length > 0 ? { audit: { waive: config.waivers.map(({ rule, path, reason }) => ({ rule, path, reason })) } } : {}),
  };
  if (options.verbose) log.info(`Configuration in force:\n${JSON.stringify(inForce, null, 2)}`);

  const summary = config.tool.summary ?? `${id.tool} ${id.version} in its own Python ${interpreter} environment, for Phoreus`;
  const venv = venvPath(id);
  const artifacts = await run.packageAndAudit({
    id, epoch, python, project: options.project, lockText, wheelhouse, app, meta: options.meta, inForce, summary,
    license: config.tool.license ?? 'Unspecified', ...(config.tool.url ? { url: config.tool.url } : {}),
    copyFiles: plan.copyFiles,
    module: {
      whatis: config.module.whatis ?? [`Name: ${id.tool}`, `Version: ${id.version}`, `Description: ${summary}`, `Interpreter: Python ${interpreter} (${id.interpreterModule})`],
      help: config.module.help ?? `${id.tool} ${id.version}, in its own virtual environment under ${venv}.\nIts dependencies are exactly those of ${venv.replace(/\/venv$/, '')}/requirements.lock.`,
      env: config.module.env ?? {},
    },
    description: [
      `Hermetically packaged Python application stack for ${id.tool} ${id.version}, including its fully frozen dependency graph: ${packages.length} packages from requirements.lock, installed with hash verification into ${venv}.`,
      `Interpreter: Python ${interpreter}, from ${id.interpreterModule}. Load it with: module load ${id.tool}/${id.version}`,
      ...(run.skipped.length ? [`Left out on ${plan.platform}: ${run.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}.`] : []),
      ...(run.sourceBuilds.length ? [`Built here from their sdists: ${run.sourceBuilds.map(describeSourceBuild).join('; ')}.`] : []),
    ],
  }, config.waivers);
  if (!artifacts) return run.stop('the audit of the built RPM found errors', id);
  return {
    ok: true, findings: sortFindings(run.findings), secrets: run.secrets, interpreter, distro: distro.key, arch, identity: id,
    artifacts, wheels: wheelhouse.files.size, wheelhouseFromCache: wheelhouse.fromCache, skipped: run.skipped, sourceBuilds: run.sourceBuilds, timings: run.timings, config: inForce,
    ...(run.payload ? { payload: run.payload } : {}),
    ...(run.smokeTest ? { smokeTest: run.smokeTest } : {}),
  };
}
