/**
 * The build (charter §3, §5, §7, §8, §9, §11): verification, wheelhouse, application wheel,
 * packages, audit, signature (src/pipeline/steps.ts). Verification reads and parses every
 * input once and hands on its plan; the steps after it consume that plan. Nothing is written
 * to the output directory on failure but the report and, when rpmbuild failed, its whole
 * output (rpmbuild.log).
 */
import { join } from 'node:path';
import type { SmokeTestRun } from '../audit/smoke-test.js';
import { lockedPackages } from '../checks/lockfile.js';
import type { VerifiedPlan, VerifyResult } from '../checks/verify.js';
import { BuildFailure, UsageError } from '../core/errors.js';
import { writeWhole } from '../core/files.js';
import { countBySeverity, type Finding } from '../core/finding.js';
import type { PackageIdentity } from '../core/layout.js';
import type { Log } from '../core/log.js';
import { outward } from '../core/outward.js';
import { checkValues, type BuildOptions } from '../inputs/options.js';
import { ARCHES, distro as lookupDistro, hostArch, type Arch } from '../plan/distros.js';
import { resolveTool, resolveVersion } from '../plan/identity.js';
import { skipFindings, type PlatformPlan } from '../plan/platform-plan.js';
import type { BuildArtifacts } from '../rpm/package.js';
import type { SourceBuilt } from '../rpm/source-build.js';
import { sourceDateEpoch } from '../tools/epoch.js';
import { findPython } from '../tools/python.js';
import { requireTools } from '../tools/system.js';
import { configurationInForce, packageTexts } from './in-force.js';
import { Build, type BuildServices } from './steps.js';

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

function stopped(run: Build, failure: string, identity?: PackageIdentity): BuildResult {
  return {
    ok: false, findings: run.sortedFindings(), secrets: run.secrets, interpreter: run.interpreter, distro: run.distro.key, arch: run.arch,
    wheels: 0, wheelhouseFromCache: false, skipped: run.skipped, sourceBuilds: run.sourceBuilds, timings: run.timings, config: {}, failure, ...(identity ? { identity } : {}),
  };
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

export async function build(options: BuildOptions, log: Log, services: BuildServices = {}): Promise<BuildResult> {
  checkValues(options);
  const arch = targetArch(options.arch);
  const run = new Build(options, services, log, lookupDistro(options.distro), arch);
  try {
    const verification = await run.verify();
    const plan = verification.plan;
    if (countBySeverity(run.findings).errors > 0 || !plan?.platform) return stopped(run, 'the lock verification found errors');
    await run.tryKey();
    return await buildVerified(run, verification, { ...plan, platform: plan.platform }, options, log);
  } catch (error) {
    if (error instanceof BuildFailure) return stopped(run, keepFailureLog(error, options.out));
    throw error;
  } finally {
    run.cleanup();
  }
}

async function buildVerified(run: Build, verification: VerifyResult, plan: VerifiedPlan & { platform: PlatformPlan }, options: BuildOptions, log: Log): Promise<BuildResult> {
  const { config, lock, platform } = plan;
  const interpreter = run.interpreter;
  run.findings.push(...skipFindings(platform, plan.loaded, interpreter));
  run.skipped = [...platform.skip].map(([name, reason]) => ({ name, reason }));
  for (const { name, reason } of run.skipped) log.warning(`${name} is skipped on ${platform.platform}: ${reason}`);

  // PH401 before anything is built when inputs, tag or metadata name the version; else once the application wheel does.
  const early = { tool: resolveTool(plan.identity), version: resolveVersion(plan.identity) };
  const knownEarly = Boolean(early.tool && early.version);
  if (early.tool && early.version) await run.refuseRepublication(early.tool, early.version, run.release(config));

  await requireTools(['rpmbuild', 'rpm', 'rpm2cpio', 'tar'], log);
  const python = await findPython(interpreter, options.python);
  const epoch = await sourceDateEpoch(options.project);
  const packages = lockedPackages(lock.file, interpreter, run.arch);
  const { wheelhouse, builder } = await run.fetch(python, lock, packages, platform, epoch);
  const app = await run.appWheel(python, builder, epoch);
  const id = run.identity(config, early, app, packages);
  if (!knownEarly) await run.refuseRepublication(id.tool, id.version, id.release);

  const made = {
    id, distro: run.distro.key, arch: run.arch, plan: platform, app, skipped: run.skipped, sourceBuilds: run.sourceBuilds,
    requirements: verification.requirements, lock: verification.lock,
  };
  const inForce = configurationInForce(config, made, options);
  if (options.verbose) log.info(`Configuration in force:\n${JSON.stringify(inForce, null, 2)}`);

  const artifacts = await run.packageAndAudit({
    id, epoch, python, project: options.project, lockText: lock.text, packages, wheelhouse, app, meta: options.meta, inForce,
    ...packageTexts(config, made, packages.length),
    license: config.tool.license ?? 'Unspecified', ...(config.tool.url ? { url: config.tool.url } : {}),
    copyFiles: platform.copyFiles,
  }, config.waivers);
  if (!artifacts) return stopped(run, 'the audit of the built RPM found errors', id);
  return {
    ok: true, findings: run.sortedFindings(), secrets: run.secrets, interpreter, distro: run.distro.key, arch: run.arch, identity: id,
    artifacts, wheels: wheelhouse.files.size, wheelhouseFromCache: wheelhouse.fromCache, skipped: run.skipped, sourceBuilds: run.sourceBuilds, timings: run.timings, config: inForce,
    ...(run.payload ? { payload: run.payload } : {}),
    ...(run.smokeTest ? { smokeTest: run.smokeTest } : {}),
  };
}
