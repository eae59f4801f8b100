/**
 * The texts a build derives from its plan and identity: the configuration in force (shipped
 * in the SRPM and RPM and put in the report), and the summary, description and module texts
 * of the packages. Pure.
 */
import type { EffectiveConfig } from '../config/config.js';
import { venvPath, type PackageIdentity } from '../core/layout.js';
import type { BuildOptions } from '../inputs/options.js';
import type { PlatformPlan } from '../plan/platform-plan.js';
import type { AppWheel } from '../rpm/app-wheel.js';
import type { ModuleText } from '../rpm/modulefile.js';
import type { SourceBuilt } from '../rpm/source-build.js';

export interface Made {
  id: PackageIdentity;
  distro: string;
  arch: string;
  plan: PlatformPlan;
  app: AppWheel | undefined;
  skipped: ReadonlyArray<{ name: string; reason: string }>;
  sourceBuilds: SourceBuilt[];
  /** The requirements file and the lock, as named in the project. */
  requirements: string;
  lock: string;
}

function redactRegistries(options: BuildOptions, registries: Record<string, unknown>): Record<string, unknown> {
  // Credentials never leave the process: the report and the SRPM record only that an index was given.
  return {
    ...registries,
    ...(options.indexUrl ? { 'index-url': '(from the index-url input)' } : {}),
    ...(options.extraIndexUrls.length ? { 'extra-index-urls': options.extraIndexUrls.map(() => '(from the extra-index-url input)') } : {}),
  };
}

/** The configuration in force, after merging, as shipped in the SRPM and RPM. */
export function configurationInForce(config: EffectiveConfig, made: Made, options: BuildOptions): Record<string, unknown> {
  const { id, plan, app } = made;
  return {
    tool: { ...config.tool, name: id.tool, version: id.version, release: id.release },
    interpreter: id.interpreter, distro: made.distro, arch: made.arch, platform: plan.platform,
    policy: { ...config.policy, 'interpreter-home': id.interpreterHome, 'interpreter-module': id.interpreterModule },
    requirements: made.requirements, lock: made.lock,
    registries: redactRegistries(options, config.registries),
    module: config.module,
    ...(app ? { application: { name: app.name, version: app.version } } : {}),
    skipped: made.skipped.map((s) => s.name),
    skipReasons: Object.fromEntries(plan.skip),
    forceSource: Object.fromEntries(plan.forceSource),
    sourceBuilds: made.sourceBuilds,
    copyFiles: plan.copyFiles,
    ...(config.waivers.length > 0 ? { audit: { waive: config.waivers.map(({ rule, path, reason }) => ({ rule, path, reason })) } } : {}),
  };
}

/** One sdist build, for the RPM's description: what it was, what it became, and what built it. */
export function describeSourceBuild(b: SourceBuilt): string {
  return `${b.name} ${b.version} (sdist sha256:${b.sdistSha256}, wheel sha256:${b.sha256}, built by ${b.generator ?? b.backend}, ${b.pinnedBy ? `pinned by ${b.pinnedBy}` : b.unpinned?.length ? `backend not pinned: ${b.unpinned.join(', ')}` : 'no build requirements'})`;
}

/** The summary, module texts and description of the packages. */
export function packageTexts(config: EffectiveConfig, made: Made, packageCount: number): { summary: string; module: ModuleText; description: string[] } {
  const { id, plan } = made;
  const summary = config.tool.summary ?? `${id.tool} ${id.version} in its own Python ${id.interpreter} environment, for Phoreus`;
  const venv = venvPath(id);
  return {
    summary,
    module: {
      whatis: config.module.whatis ?? [`Name: ${id.tool}`, `Version: ${id.version}`, `Description: ${summary}`, `Interpreter: Python ${id.interpreter} (${id.interpreterModule})`],
      help: config.module.help ?? `${id.tool} ${id.version}, in its own virtual environment under ${venv}.\nIts dependencies are exactly those of ${venv.replace(/\/venv$/, '')}/requirements.lock.`,
      env: config.module.env ?? {},
    },
    description: [
      `Hermetically packaged Python application stack for ${id.tool} ${id.version}, including its fully frozen dependency graph: ${packageCount} packages from requirements.lock, installed with hash verification into ${venv}.`,
      `Interpreter: Python ${id.interpreter}, from ${id.interpreterModule}. Load it with: module load ${id.tool}/${id.version}`,
      ...(made.skipped.length ? [`Left out on ${plan.platform}: ${made.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}.`] : []),
      ...(made.sourceBuilds.length ? [`Built here from their sdists: ${made.sourceBuilds.map(describeSourceBuild).join('; ')}.`] : []),
    ],
  };
}
