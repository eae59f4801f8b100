/**
 * The build (charter §3, §5, §7, §8, §9, §11): verification, wheelhouse, application wheel,
 * spec and modulefile, rpmbuild. One method per step; each step is timed for the summary.
 * Nothing is written to the output directory on failure except the report.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { audit } from '../audit/audit.js';
import { effectiveConfig, parseConfig } from '../config/config.js';
import { countBySeverity, finding, sortFindings, type Finding } from '../checks/finding.js';
import { checkToolVersion } from '../checks/identity.js';
import { appliesTo, exactPin } from '../checks/lockfile.js';
import { verify, type VerifyResult } from '../checks/verify.js';
import type { BuildOptions } from '../inputs/options.js';
import { UsageError } from '../inputs/usage-error.js';
import { ARCHES, distro as lookupDistro, hostArch, type Arch, type Distro } from '../plan/distros.js';
import { resolveTool, resolveVersion } from '../plan/identity.js';
import { readPyproject, readText } from '../plan/project.js';
import { targetEnvironment } from '../requirements/markers.js';
import { normalizeName } from '../requirements/pep508.js';
import { requirementBlocks } from '../requirements/blocks.js';
import { parseRequirementsFile, requirementEntries } from '../requirements/parse.js';
import { TOOL_NAME, TOOL_VERSION } from '../report/about.js';
import type { Log } from '../report/log.js';
import { sourceDateEpoch } from '../tools/epoch.js';
import { findPython } from '../tools/python.js';
import { resourcePath } from '../tools/resources.js';
import { requireTools } from '../tools/system.js';
import { buildAppWheel, isApplicationProject, type AppWheel } from './app-wheel.js';
import { BuildFailure } from './failure.js';
import { DEFAULT_INTERPRETER_HOME, DEFAULT_INTERPRETER_MODULE, expandPython, packageName, type PackageIdentity } from './layout.js';
import { renderModuleDefault, renderModulefile } from './modulefile.js';
import { rpmbuild } from './rpmbuild.js';
import { renderSpec, SOURCES } from './spec.js';
import { fetchWheelhouse, type LockedPackage, type Wheelhouse } from './wheelhouse.js';

export interface BuildArtifacts {
  rpm: string;
  metaRpm?: string;
  srpm: string;
  modulefile: string;
}

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
  /** Seconds per phase. */
  timings: Record<string, number>;
  /** The configuration in force, after merging, as shipped in the SRPM and RPM. */
  config: Record<string, unknown>;
  /** Why the build stopped, when it did. */
  failure?: string;
}

/** Lines of the lock that apply to the target, as packages with their allowed sha256 digests. */
export function lockedPackages(lockText: string, interpreter: string, arch: string): LockedPackage[] {
  const env = targetEnvironment(interpreter, arch);
  return requirementEntries(parseRequirementsFile(lockText))
    .filter((e) => appliesTo(e, env) && e.requirement?.name && exactPin(e) !== undefined)
    .map((e) => ({
      name: e.requirement?.name ?? '',
      version: exactPin(e) ?? '',
      hashes: e.hashes.filter((h) => h.algorithm === 'sha256').map((h) => h.digest.toLowerCase()),
    }));
}

class Build {
  readonly timings: Record<string, number> = {};
  readonly findings: Finding[] = [];
  secrets: string[] = [];
  /** Known once the verification has chosen it. */
  interpreter = '';

  constructor(
    private readonly options: BuildOptions,
    private readonly log: Log,
    private readonly distro: Distro,
    private readonly arch: Arch,
  ) {}

  async timed<T>(phase: string, body: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await this.log.group(phase, body);
    } finally {
      this.timings[phase] = Math.round(performance.now() - start) / 1000;
    }
  }

  /** Step 1: the lockfile rules; an error stops the build before anything is built. */
  async verify(version: string | undefined): Promise<VerifyResult> {
    const result = await this.timed('Verify the lock', () => verify({ ...this.options, offline: true, ...(version ? { version } : {}) }, this.log));
    this.findings.push(...result.findings);
    this.secrets = result.secrets;
    return result;
  }

  /** Step 2: every locked file, for the target's glibc, ABI and arch. */
  async wheelhouse(python: string, lockText: string, packages: LockedPackage[], epoch: number): Promise<Wheelhouse> {
    return this.timed('Fetch the wheelhouse', () =>
      fetchWheelhouse({
        python, interpreter: this.interpreter, distro: this.distro, arch: this.arch, lockText, packages, epoch, forceSource: new Map(),
        extraIndexUrls: this.options.extraIndexUrls, findLinks: this.options.findLinks,
        ...(this.options.indexUrl ? { indexUrl: this.options.indexUrl } : {}),
      }, this.log));
  }

  /** Step 3: the application wheel, when the project is an application and not only a lock. */
  async appWheel(python: string, dir: string, epoch: number): Promise<AppWheel | undefined> {
    if (!isApplicationProject(this.options.project)) {
      this.log.info('No pyproject.toml or setup.py: the project is a lock of a third-party tool, nothing to build');
      return undefined;
    }
    return this.timed('Build the application wheel', async () => {
      const { wheel, buildLocked } = await buildAppWheel(this.options.project, python, dir, epoch, this.log, {
        extraIndexUrls: this.options.extraIndexUrls, findLinks: this.options.findLinks,
        ...(this.options.indexUrl ? { indexUrl: this.options.indexUrl } : {}),
      });
      if (!buildLocked) {
        this.findings.push(finding('PH114', 'pyproject.toml', 1, 'the build backend of the application wheel is not pinned: pip resolved it from the index at build time; add requirements-build.lock (`pip-compile --generate-hashes --allow-unsafe --output-file=requirements-build.lock` from a requirements-build.in listing the [build-system] requires)'));
      }
      return wheel;
    });
  }
}

export async function build(options: BuildOptions, log: Log): Promise<BuildResult> {
  const arch: Arch = hostArch();
  if (options.arch && !(ARCHES as readonly string[]).includes(options.arch)) {
    throw new UsageError(`arch "${options.arch}" is not one of ${ARCHES.join(', ')}`);
  }
  if (options.arch && options.arch !== arch) {
    throw new UsageError(`a virtual environment cannot be cross-built: this runner is ${arch}, the target is ${options.arch}; run the job on an ${options.arch} runner (for aarch64: runs-on: ubuntu-24.04-arm)`);
  }
  const distro = lookupDistro(options.distro);
  const project = options.project;
  const pyproject = readPyproject(project);
  const configPath = options.config ?? join(project, 'phoreus.yaml');
  const loaded = (() => {
    try {
      return parseConfig('phoreus.yaml', readText(configPath));
    } catch {
      return { raw: {} };
    }
  })();

  const preliminary = resolveVersion({
    ...(options.version ? { version: options.version } : {}),
    ...(options.refName ? { refName: options.refName } : {}),
  });
  const runner = new Build(options, log, distro, arch);
  const verification = await runner.verify(preliminary);
  const interpreter = verification.interpreter;
  runner.interpreter = interpreter;
  const stop = (failure: string): BuildResult => ({
    ok: false, findings: sortFindings(runner.findings), secrets: runner.secrets, interpreter, distro: distro.key, arch,
    wheels: 0, wheelhouseFromCache: false, timings: runner.timings, config: {}, failure,
  });
  if (countBySeverity(runner.findings).errors > 0) return stop('the lock verification found errors');

  const config = effectiveConfig(loaded, interpreter);

  await requireTools(['rpmbuild', 'rpm', 'rpm2cpio', 'tar'], log);
  const python = await findPython(interpreter, options.python);
  const epoch = await sourceDateEpoch(project);
  const lockText = readText(join(project, verification.lock));
  const packages = lockedPackages(lockText, interpreter, arch);
  const work = mkdtempSync(join(tmpdir(), 'phoreus-build-'));
  try {
    return await buildPackages();
  } catch (error) {
    if (error instanceof BuildFailure) return stop(error.message);
    throw error;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  async function buildPackages(): Promise<BuildResult> {
    const wheelhouse = await runner.wheelhouse(python, lockText, packages, epoch);
    const app = await runner.appWheel(python, join(work, 'app'), epoch);

    const tool = resolveTool({
      ...(options.tool ? { tool: options.tool } : {}),
      ...(config.tool.name ? { configTool: config.tool.name } : {}),
      ...(pyproject.name ? { projectName: pyproject.name.value } : {}),
    }) ?? (app ? normalizeName(app.name) : undefined);
    if (!tool) throw new UsageError('the project is only a lock and names no tool: pass --tool (the action\'s tool input) or set tool.name in phoreus.yaml');
    const version = resolveVersion({
      ...(options.version ? { version: options.version } : {}),
      ...(options.refName ? { refName: options.refName } : {}),
      ...(config.tool.version ? { configVersion: config.tool.version } : {}),
      ...(pyproject.version ? { projectVersion: pyproject.version.value } : {}),
    }) ?? app?.version ?? packages.find((p) => normalizeName(p.name) === normalizeName(tool))?.version;
    if (!version) throw new UsageError(`no version for ${tool}: pass --version, push a v-prefixed tag, or pin ${tool} in requirements.in`);
    const versionFindings = checkToolVersion(version, { file: '.', line: 1 });
    if (versionFindings.length > 0) {
      runner.findings.push(...versionFindings);
      return stop('the tool version is not safe');
    }

    const id: PackageIdentity = {
      tool,
      version,
      release: options.release ?? config.tool.release ?? '1',
      interpreter,
      interpreterHome: expandPython(options.interpreterHome ?? config.policy['interpreter-home'] ?? DEFAULT_INTERPRETER_HOME, interpreter),
      interpreterModule: expandPython(options.interpreterModule ?? config.policy['interpreter-module'] ?? DEFAULT_INTERPRETER_MODULE, interpreter),
    };
    const inForce = {
      tool: { ...config.tool, name: id.tool, version: id.version, release: id.release },
      interpreter, distro: distro.key, arch,
      policy: { ...config.policy, 'interpreter-home': id.interpreterHome, 'interpreter-module': id.interpreterModule },
      requirements: verification.requirements, lock: verification.lock,
      registries: redactRegistries(options, config.registries),
    };
    log.info(`Configuration in force:\n${JSON.stringify(inForce, null, 2)}`);

    const built = await runner.timed('Build the RPM and SRPM', () =>
      assemble({ id, distro, arch, epoch, python, lockText, wheelhouse, app, meta: options.meta, work, inForce,
        summary: config.tool.summary ?? `${id.tool} ${id.version} in its own Python ${interpreter} environment, for Phoreus`,
        license: config.tool.license ?? 'Unspecified',
        ...(config.tool.url ? { url: config.tool.url } : {}),
        packageCount: packages.length }, log));

    // The RPM is audited against the charter before anything reaches the output directory.
    const audited = await runner.timed('Audit the RPM', () => audit({
      rpm: built.rpm, interpreter, distro: distro.key, modulefile: built.modulefile,
      interpreterHome: options.interpreterHome ?? config.policy['interpreter-home'] ?? DEFAULT_INTERPRETER_HOME,
      interpreterModule: options.interpreterModule ?? config.policy['interpreter-module'] ?? DEFAULT_INTERPRETER_MODULE,
      buildPaths: [work, wheelhouse.dir, project],
      ...(options.smokeTest ? { smokeTest: { ...options.smokeTest, ...(options.python ? { python: options.python } : {}) } } : {}),
    }, log));
    runner.findings.push(...audited.findings);
    if (countBySeverity(audited.findings).errors > 0) return { ...stop('the audit of the built RPM found errors'), identity: id };
    const artifacts = place(built, options.out, id);

    return {
      ok: true, findings: sortFindings(runner.findings), secrets: runner.secrets, interpreter, distro: distro.key, arch, identity: id,
      artifacts, wheels: wheelhouse.files.size, wheelhouseFromCache: wheelhouse.fromCache, timings: runner.timings, config: inForce,
    };
  }
}

function redactRegistries(options: BuildOptions, registries: Record<string, unknown>): Record<string, unknown> {
  // Credentials never leave the process: the report and the SRPM record only that an index was given.
  return {
    ...registries,
    ...(options.indexUrl ? { 'index-url': '(from the index-url input)' } : {}),
    ...(options.extraIndexUrls.length ? { 'extra-index-urls': options.extraIndexUrls.map(() => '(from the extra-index-url input)') } : {}),
  };
}

interface AssembleInput {
  id: PackageIdentity;
  distro: Distro;
  arch: Arch;
  epoch: number;
  python: string;
  lockText: string;
  wheelhouse: Wheelhouse;
  app: AppWheel | undefined;
  meta: boolean;
  work: string;
  inForce: Record<string, unknown>;
  summary: string;
  license: string;
  url?: string;
  packageCount: number;
}

async function assemble(a: AssembleInput, log: Log): Promise<BuildArtifacts> {
  const { id } = a;
  const relocate = resourcePath('tools/rpm/relocate.py');
  if (!relocate) throw new UsageError('tools/rpm/relocate.py is missing from the action; use a complete checkout of phoreus-rpm');
  const pipWheel = a.wheelhouse.files.get('pip');
  const pipLock = pipWheel ? pipLockText(a.lockText) : undefined;
  const modulefile = renderModulefile(id, {
    whatis: [`Name: ${id.tool}`, `Version: ${id.version}`, `Description: ${a.summary}`, `Interpreter: Python ${id.interpreter} (${id.interpreterModule})`],
    help: `${id.tool} ${id.version}, in its own virtual environment under /usr/local/phoreus/${id.tool}/${id.version}/venv.\nIts dependencies are exactly those of /usr/local/phoreus/${id.tool}/${id.version}/requirements.lock.`,
    env: {},
  });
  const spec = renderSpec({
    id, arch: a.arch, distro: a.distro, summary: a.summary, license: a.license, ...(a.url ? { url: a.url } : {}),
    description: [
      `Hermetically packaged Python application stack for ${id.tool} ${id.version}, including its fully frozen dependency graph: ${a.packageCount} packages from requirements.lock, installed with hash verification into /usr/local/phoreus/${id.tool}/${id.version}/venv.`,
      `Interpreter: Python ${id.interpreter}, from ${id.interpreterModule}. Load it with: module load ${id.tool}/${id.version}`,
    ],
    ...(pipWheel ? { pipWheel } : {}),
    installLock: a.wheelhouse.installLock !== a.lockText,
    ...(a.app ? { app: { wheel: a.app.file, name: a.app.name, version: a.app.version } } : {}),
    meta: a.meta, epoch: a.epoch, generator: `${TOOL_NAME} ${TOOL_VERSION}`,
  });
  const topdir = join(a.work, 'rpmbuild');
  const wheelhouseParent = join(a.work, 'wh');
  mkdirSync(join(wheelhouseParent, 'wheelhouse'), { recursive: true });
  const shipped = [...a.wheelhouse.files.values(), ...[...a.wheelhouse.built.values()].map((b) => b.sdist)];
  for (const file of shipped) copyFileSync(join(a.wheelhouse.dir, file), join(wheelhouseParent, 'wheelhouse', file));

  log.info(`rpmbuild -ba ${packageName(id)}.spec (${a.distro.key}, ${a.arch})`);
  const built = await rpmbuild({
    topdir, specName: `${packageName(id)}.spec`, spec, wheelhouseParent, dist: a.distro.dist, arch: a.arch, buildPython: a.python, epoch: a.epoch,
    sources: {
      [SOURCES.lock]: { content: a.lockText },
      ...(a.wheelhouse.installLock !== a.lockText ? { [SOURCES.installLock]: { content: a.wheelhouse.installLock } } : {}),
      [SOURCES.relocate]: { path: relocate },
      [SOURCES.modulefile]: { content: modulefile },
      [SOURCES.config]: { content: `${JSON.stringify(a.inForce, null, 2)}\n` },
      ...(pipLock ? { [SOURCES.pipLock]: { content: pipLock } } : {}),
      ...(a.meta ? { [SOURCES.moduleDefault]: { content: renderModuleDefault(id) } } : {}),
      ...(a.app ? { [a.app.file]: { path: a.app.path } } : {}),
    },
  });

  const main = built.rpms.find((r) => r.includes(`/${packageName(id)}-${id.version}-`)) ?? built.rpms[0] ?? '';
  const meta = built.rpms.find((r) => r !== main);
  const modulefilePath = join(a.work, `${id.tool}-${id.version}.lua`);
  writeFileSync(modulefilePath, modulefile);
  return { rpm: main, srpm: built.srpm, modulefile: modulefilePath, ...(meta ? { metaRpm: meta } : {}) };
}

/** Copies what was built and audited into the output directory. */
function place(built: BuildArtifacts, out: string, id: PackageIdentity): BuildArtifacts {
  mkdirSync(out, { recursive: true });
  const copy = (path: string, name = basename(path)): string => {
    const target = join(out, name);
    copyFileSync(path, target);
    return target;
  };
  return {
    rpm: copy(built.rpm), srpm: copy(built.srpm), modulefile: copy(built.modulefile, `${id.tool}-${id.version}.lua`),
    ...(built.metaRpm ? { metaRpm: copy(built.metaRpm) } : {}),
  };
}

/** The lock's pip requirement alone, with its hashes: the first install into the new venv. */
export function pipLockText(lockText: string): string | undefined {
  return requirementBlocks(lockText).get('pip');
}
