/**
 * From a wheelhouse and an application wheel to the RPM and SRPM: the modulefile, the spec,
 * the sources (lock, wheelhouse, relocation script, copied files, configuration in force),
 * rpmbuild; and, once the audit has passed, the copy into the output directory.
 */
import { chmodSync, copyFileSync, cpSync, lstatSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CopyFile } from '../config/config.js';
import { confined, copyDestination, symlinkIn } from '../config/copy-files.js';
import { sha256File } from '../tools/blob-store.js';
import { copyWhole } from '../core/files.js';
import { UsageError, BuildFailure } from '../core/errors.js';
import type { Arch, Distro } from '../plan/distros.js';
import { TOOL_NAME, TOOL_VERSION } from '../core/about.js';
import { redact } from '../core/redact.js';
import type { Log } from '../core/log.js';
import { resourcePath } from '../tools/resources.js';
import type { AppWheel } from './app-wheel.js';
import { packageName, type PackageIdentity } from '../core/layout.js';
import { renderModuleDefault, renderModulefile, type ModuleText } from './modulefile.js';
import { rpmbuild } from './rpmbuild.js';
import { renderSbom, type SbomDistribution } from './sbom.js';
import { renderSpec, SOURCES } from './spec.js';
import { wheelLicences } from './wheel-metadata.js';
import type { LockedPackage } from '../checks/lockfile.js';
import { normalizeName } from '../requirements/pep508.js';
import type { Wheelhouse } from './wheelhouse.js';

export interface BuildArtifacts {
  rpm: string;
  metaRpm?: string;
  srpm: string;
  modulefile: string;
  /** The CycloneDX SBOM, also shipped in the RPM beside the lock. */
  sbom: string;
}

export interface PackageInput {
  id: PackageIdentity;
  distro: Distro;
  arch: Arch;
  epoch: number;
  python: string;
  project: string;
  lockText: string;
  /** The lock's packages for the target, as read once from the lock. */
  packages: LockedPackage[];
  wheelhouse: Wheelhouse;
  app: AppWheel | undefined;
  meta: boolean;
  work: string;
  inForce: Record<string, unknown>;
  summary: string;
  license: string;
  url?: string;
  module: ModuleText;
  description: string[];
  copyFiles: CopyFile[];
}

/** Directories 755, files 644, or 755 when anyone may run them: no setuid, setgid, sticky or writable-by-others mode ships (PH315). */
function normaliseModes(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) normaliseModes(join(path, entry));
  } else {
    chmodSync(path, stat.mode & 0o111 ? 0o755 : 0o644);
  }
}

/** Lays the copyFiles out as the venv will hold them, under `<stage>/copyfiles/`, with plain modes. */
function stageCopyFiles(project: string, entries: readonly CopyFile[], interpreter: string, stage: string): void {
  for (const entry of entries) {
    const from = confined(entry.from);
    const to = copyDestination(entry.to, interpreter);
    if (from === undefined || to === undefined || symlinkIn(project, from)) {
      throw new BuildFailure(`copyFiles entry ${entry.from} → ${entry.to} leaves the project or the venv, or holds a symlink`);
    }
    const source = join(project, from);
    const target = join(stage, 'copyfiles', to);
    if (statSync(source).isDirectory()) {
      cpSync(source, target, { recursive: true });
    } else {
      const file = entry.to.endsWith('/') ? join(target, basename(source)) : target;
      mkdirSync(join(file, '..'), { recursive: true });
      copyFileSync(source, file);
    }
  }
  if (entries.length > 0) normaliseModes(join(stage, 'copyfiles'));
}

export async function buildPackages(a: PackageInput, log: Log): Promise<BuildArtifacts> {
  const { id } = a;
  const relocate = resourcePath('tools/rpm/relocate.py');
  if (!relocate) throw new UsageError('tools/rpm/relocate.py is missing from the action; use a complete checkout of phoreus-rpm');
  const pipWheel = a.wheelhouse.files.get('pip');
  // What the SRPM and RPM carry leaves the process: masked like every other output.
  const modulefile = redact(renderModulefile(id, a.module));
  // The application joins the lock's one pip run, pinned by the hash of the wheel built here.
  const appPin = a.app ? `${a.app.name}==${a.app.version} \\\n    --hash=sha256:${await sha256File(a.app.path)}\n` : '';
  const base = a.wheelhouse.installLock;
  const installLockText = appPin ? `${base}${base.endsWith('\n') ? '' : '\n'}${appPin}` : base;
  const installLock = installLockText !== a.lockText;
  const spec = redact(renderSpec({
    id, arch: a.arch, distro: a.distro, summary: a.summary, license: a.license, ...(a.url ? { url: a.url } : {}),
    description: a.description,
    ...(pipWheel ? { pipWheel } : {}),
    installLock,
    copyFiles: a.copyFiles.length > 0,
    ...(a.app ? { app: { wheel: a.app.file, name: a.app.name, version: a.app.version } } : {}),
    meta: a.meta, epoch: a.epoch, generator: `${TOOL_NAME} ${TOOL_VERSION}`, sbom: true,
  }));
  const sbom = redact(await sbomOf(a));

  const stage = join(a.work, 'stage');
  mkdirSync(join(stage, 'wheelhouse'), { recursive: true });
  const shipped = [...a.wheelhouse.files.values(), ...[...a.wheelhouse.built.values()].map((b) => b.sdist)];
  for (const file of shipped) copyFileSync(join(a.wheelhouse.dir, file), join(stage, 'wheelhouse', file));
  stageCopyFiles(a.project, a.copyFiles, id.interpreter, stage);

  log.info(`rpmbuild -ba ${packageName(id)}.spec (${a.distro.key}, ${a.arch})`);
  const built = await rpmbuild({
    topdir: join(a.work, 'rpmbuild'), specName: `${packageName(id)}.spec`, spec, dist: a.distro.dist, arch: a.arch, buildPython: a.python, epoch: a.epoch,
    tarballs: [
      { name: SOURCES.wheelhouse, parent: stage, dir: 'wheelhouse' },
      ...(a.copyFiles.length > 0 ? [{ name: SOURCES.copyFiles, parent: stage, dir: 'copyfiles' }] : []),
    ],
    sources: {
      [SOURCES.lock]: { content: a.lockText },
      ...(installLock ? { [SOURCES.installLock]: { content: installLockText } } : {}),
      [SOURCES.relocate]: { path: relocate },
      [SOURCES.modulefile]: { content: modulefile },
      [SOURCES.config]: { content: redact(`${JSON.stringify(a.inForce, null, 2)}\n`) },
      [SOURCES.sbom]: { content: sbom },
      ...(a.meta ? { [SOURCES.moduleDefault]: { content: renderModuleDefault(id) } } : {}),
      ...(a.app ? { [a.app.file]: { path: a.app.path } } : {}),
    },
  });

  const main = built.rpms.find((r) => r.includes(`/${packageName(id)}-${id.version}-`)) ?? built.rpms[0] ?? '';
  const meta = built.rpms.find((r) => r !== main);
  const modulefilePath = join(a.work, `${id.tool}-${id.version}.lua`);
  writeFileSync(modulefilePath, modulefile);
  const sbomPath = join(a.work, SOURCES.sbom);
  writeFileSync(sbomPath, sbom);
  return { rpm: main, srpm: built.srpm, modulefile: modulefilePath, sbom: sbomPath, ...(meta ? { metaRpm: meta } : {}) };
}

/**
 * The SBOM of what %build installs: each wheel of the wheelhouse as the lock pins it, hashed
 * as the lock let it in (the sdist, for a wheel built here from one), and the application.
 */
async function sbomOf(a: PackageInput): Promise<string> {
  const pins = new Map(a.packages.map((p) => [normalizeName(p.name), p]));
  const wheels = [...a.wheelhouse.files.values()].map((file) => join(a.wheelhouse.dir, file));
  const found = await wheelLicences(a.python, a.app ? [...wheels, a.app.path] : wheels);
  const distributions: SbomDistribution[] = [];
  for (const [name, wheel] of a.wheelhouse.files) {
    const pin = pins.get(name);
    if (!pin) throw new BuildFailure(`${wheel} is in the wheelhouse but ${name} is not pinned in the lock`);
    const source = a.wheelhouse.built.get(name)?.sdist;
    const locked = source ?? wheel;
    distributions.push({
      name: pin.name, version: pin.version, file: locked, sha256: await sha256File(join(a.wheelhouse.dir, locked)),
      licence: found.get(join(a.wheelhouse.dir, wheel)) ?? { classifiers: [] }, ...(source ? { fromSource: true } : {}),
    });
  }
  const application: SbomDistribution | undefined = a.app
    ? { name: a.app.name, version: a.app.version, file: a.app.file, sha256: await sha256File(a.app.path), licence: found.get(a.app.path) ?? { classifiers: [] } }
    : undefined;
  return renderSbom({
    rpm: { name: packageName(a.id), version: a.id.version, release: `${a.id.release}${a.distro.dist}`, arch: a.arch, summary: a.summary, license: a.license },
    distributions, ...(application ? { application } : {}),
    interpreter: { module: a.id.interpreterModule, version: a.id.interpreter },
    generator: { name: TOOL_NAME, version: TOOL_VERSION },
    epoch: a.epoch,
  });
}

/** The SBOM beside the RPM: the RPM's file name, .cdx.json for .rpm. */
export const sbomFileName = (rpm: string): string => `${basename(rpm).replace(/\.rpm$/, '')}.cdx.json`;

/** Copies what was built and audited into the output directory. */
export function place(built: BuildArtifacts, out: string, id: PackageIdentity): BuildArtifacts {
  mkdirSync(out, { recursive: true });
  const copy = (path: string, name = basename(path)): string => {
    const target = join(out, name);
    copyWhole(path, target);
    return target;
  };
  return {
    rpm: copy(built.rpm), srpm: copy(built.srpm), modulefile: copy(built.modulefile, `${id.tool}-${id.version}.lua`),
    sbom: copy(built.sbom, sbomFileName(built.rpm)),
    ...(built.metaRpm ? { metaRpm: copy(built.metaRpm) } : {}),
  };
}
