/**
 * Wheels built from sdists, only where that is sound: the sdist has been fetched with its
 * hash checked against the lock, it is built with --no-deps through PEP 517, and the wheel is
 * kept when it is pure Python, or when this machine's glibc is no newer than the target's and
 * the architecture is the target's (a container of the target distro). Otherwise the build
 * stops with the package named and a container pointed to.
 *
 * The build backend comes from a build lock with --require-hashes when one pins every
 * [build-system] requirement (build-locks/<name>.lock, else the project's
 * requirements-build.lock); otherwise pip's build isolation resolves it from the index, and
 * the build says so (PH116). Either way, what built each wheel is recorded.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { WHEEL_FILE } from '../inputs/values.js';
import { hostArch, type Arch, type Distro } from '../plan/distros.js';
import { readText } from '../core/files.js';
import { normalizeName } from '../requirements/pep508.js';
import type { Log } from '../core/log.js';
import { redact } from '../core/redact.js';
import { pipNetworkEnv } from '../tools/index-access.js';
import { lastLine, run } from '../tools/process.js';
import { bundledPip, pipInVenv, pythonVenv, venvEnv } from '../tools/venv.js';
import { BUILD_LOCK } from './app-wheel.js';
import { BuildFailure } from '../core/errors.js';
import { buildSystem, generatorOf, unpinnedRequires, type BuildSystem } from './sdist-backend.js';
import { failureLines, needsSystemTools } from './sdist-failure.js';

/** Where a project pins the build requirements of one package built from its sdist. */
export const PACKAGE_BUILD_LOCKS = 'build-locks';

/** One wheel built here from its sdist, as the report, phoreus-config.json and the RPM record it. */
export interface SourceBuilt {
  name: string;
  version: string;
  sdist: string;
  sdistSha256: string;
  wheel: string;
  sha256: string;
  /** The PEP 517 backend the sdist declares, and what the built wheel says made it. */
  backend: string;
  generator?: string;
  /** The build lock that pinned the backend (project-relative), or undefined: resolved from the index. */
  pinnedBy?: string;
  /** What the lock lacks when it did not pin the backend. */
  unpinned?: string[];
  reason: string;
}

export interface SourceBuildRequest {
  python: string;
  interpreter: string;
  name: string;
  version: string;
  /** The sdist, already checked against the lock's hashes. */
  sdist: string;
  sdistSha256: string;
  /** Where the built wheel goes (beside the sdist, in the build's wheelhouse). */
  dir: string;
  /** The project, for its build locks. */
  project: string;
  /** The lock's own pip wheel, when the lock pins pip: what runs the build. */
  lockedPip?: string;
  distro: Distro;
  arch: Arch;
  indexArgs: string[];
  epoch: number;
  /** Why the sdist is built: no compatible wheel, or the configuration forces it. */
  reason: string;
}

/** Pure-Python wheels run anywhere; a platform wheel only where glibc and arch allow. */
export function isSound(wheel: string, hostGlibc: readonly [number, number] | undefined, distro: Distro, arch: Arch, hostArch: Arch): boolean {
  if (/-none-any\.whl$/.test(wheel)) return true;
  if (!hostGlibc || hostArch !== arch) return false;
  const [major, minor] = hostGlibc;
  return major < distro.glibc[0] || (major === distro.glibc[0] && minor <= distro.glibc[1]);
}

export async function hostGlibc(python: string): Promise<[number, number] | undefined> {
  const r = await run(python, ['-c', 'import platform; print(platform.libc_ver()[1])']);
  const m = /^(\d+)\.(\d+)/.exec(r.stdout.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Reads an sdist's top-level pyproject.toml (at most 1 MiB) with the interpreter's tarfile or zipfile; undefined when it has none. */
const READ_PYPROJECT = `
import json, sys, tarfile, zipfile
path, text = sys.argv[1], None
top = lambda n: n[2:] if n.startswith("./") else n
wanted = lambda n: top(n).count("/") == 1 and top(n).endswith("/pyproject.toml")
if path.endswith(".zip"):
    with zipfile.ZipFile(path) as z:
        for i in z.infolist():
            if wanted(i.filename) and i.file_size <= 1048576:
                text = z.read(i).decode("utf-8", "replace"); break
else:
    with tarfile.open(path) as t:
        for m in t:
            if m.isfile() and wanted(m.name):
                if m.size <= 1048576: text = t.extractfile(m).read().decode("utf-8", "replace")
                break
print(json.dumps(text))
`;

/** The WHEEL file of a built wheel, for its Generator line. */
const READ_WHEEL_FILE = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/WHEEL")]
    print(json.dumps(z.read(names[0]).decode("utf-8", "replace")[:4096] if names else None))
`;

async function pythonJson(python: string, script: string, file: string): Promise<string | undefined> {
  const r = await run(python, ['-I', '-S', '-c', script, file]);
  if (r.exitCode !== 0) return undefined;
  try {
    const value = JSON.parse(r.stdout) as unknown;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The build lock that pins every requirement of the sdist's build system: the package's own
 * (build-locks/<name>.lock), else the project's requirements-build.lock when it covers them.
 */
function chooseBuildLock(request: SourceBuildRequest, system: BuildSystem): { lock?: string; unpinned: string[] } {
  const own = join(PACKAGE_BUILD_LOCKS, `${normalizeName(request.name)}.lock`);
  let unpinned = unpinnedRequires(system.requires, '', request.interpreter, request.arch);
  for (const candidate of [own, BUILD_LOCK]) {
    const path = join(request.project, candidate);
    if (!existsSync(path)) continue;
    const missing = unpinnedRequires(system.requires, readText(path, request.project), request.interpreter, request.arch);
    if (candidate === own && missing.length > 0) {
      throw new BuildFailure(`${candidate} does not pin ${missing.join(', ')}, which ${request.name}'s sdist needs to build (its [build-system] requires ${system.requires.join(', ')}); add them to the .in file it is compiled from and compile it again with pip-compile --generate-hashes --allow-unsafe`);
    }
    if (missing.length === 0) return { lock: candidate, unpinned: [] };
    if (candidate === BUILD_LOCK) unpinned = missing;
  }
  return { unpinned };
}

/** The Python and pip arguments that build the wheel: a locked builder's, or an isolated build's. */
async function builder(request: SourceBuildRequest, lock: string | undefined, work: string, log: Log): Promise<{ python: string; args: string[] }> {
  if (lock) {
    const python = await pythonVenv(request.python, join(request.project, lock), log);
    return { python, args: [...(await pipInVenv(python, request.python)), 'wheel', '--no-build-isolation', '--no-index'] };
  }
  // A venv of its own keeps the host's site-packages out; pip builds in isolation inside it.
  const venv = join(work, 'venv');
  const created = await run(request.python, ['-I', '-m', 'venv', '--without-pip', venv]);
  if (created.exitCode !== 0) throw new BuildFailure(`could not create a virtual environment with ${request.python}: ${lastLine(created.stderr)}`);
  const pip = request.lockedPip ?? (await bundledPip(request.python));
  return { python: join(venv, 'bin', 'python'), args: [`${pip}/pip`, 'wheel', ...request.indexArgs] };
}

export async function buildFromSdist(request: SourceBuildRequest, log: Log): Promise<SourceBuilt> {
  const work = join(request.dir, `.sdist-${request.name}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const system = buildSystem(await pythonJson(request.python, READ_PYPROJECT, request.sdist));
    const { lock, unpinned } = chooseBuildLock(request, system);
    log.info(`${request.name} ${request.version}: building from its sdist (${request.reason}) with ${system.backend}${lock ? `, pinned by ${lock}` : ', resolved by pip\'s build isolation'}`);
    const wheelDir = join(work, 'wheel');
    const using = await builder(request, lock, work, log);
    const built = await run(using.python, [...using.args, '--use-pep517', '--no-deps', '--no-cache-dir', '--disable-pip-version-check', '--no-input',
      '--wheel-dir', wheelDir, request.sdist], { env: venvEnv(pipNetworkEnv({ ...process.env, SOURCE_DATE_EPOCH: String(request.epoch) })) });
    if (built.exitCode !== 0) throw new BuildFailure(failureMessage(request, system, lock, `${built.stdout}\n${built.stderr}`));
    const wheel = readdirSync(wheelDir).find((f) => f.endsWith('.whl')) ?? '';
    if (!WHEEL_FILE.test(wheel)) throw new BuildFailure(`${request.name}: building its sdist produced no wheel with a plain file name`);
    if (!isSound(wheel, await hostGlibc(request.python), request.distro, request.arch, hostArch())) {
      throw new BuildFailure(`${request.name} has no wheel for ${request.distro.key} ${request.arch}, and its sdist builds compiled code (${wheel}) against this machine's newer glibc, which would not run on ${request.distro.key}: build in a container of the target distro (\`container: ${request.distro.image}\` in the workflow)`);
    }
    const generator = generatorOf((await pythonJson(request.python, READ_WHEEL_FILE, join(wheelDir, wheel))) ?? '');
    const data = readFileSync(join(wheelDir, wheel));
    renameSync(join(wheelDir, wheel), join(request.dir, wheel));
    return {
      name: request.name, version: request.version, sdist: basename(request.sdist), sdistSha256: request.sdistSha256,
      wheel, sha256: createHash('sha256').update(data).digest('hex'), backend: system.backend, reason: request.reason,
      ...(generator ? { generator } : {}), ...(lock ? { pinnedBy: lock } : { unpinned }),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One line: the backend's own error lines, and the fix that fits what failed. */
function failureMessage(request: SourceBuildRequest, system: BuildSystem, lock: string | undefined, output: string): string {
  const said = redact(failureLines(output).join(' | ') || 'pip gave no reason');
  const what = `${request.name} ${request.version}: building its sdist with ${system.backend} failed: ${said}`;
  if (needsSystemTools(output)) {
    return `${what}; it needs a compiler, build tool or system library this machine lacks: build in a container of the target distro (\`container: ${request.distro.image}\` in the workflow) with them installed`;
  }
  return lock
    ? `${what}; the build requirements pinned by ${lock} do not build it: pin the versions its [build-system] needs and compile ${lock} again`
    : system.requires.length === 0
      ? `${what}; pin a version of ${request.name} that builds`
      : `${what}; pin a version of ${request.name} that builds, or pin its build requirements (${system.requires.join(', ')}) in ${PACKAGE_BUILD_LOCKS}/${normalizeName(request.name)}.lock (pip-compile --generate-hashes --allow-unsafe)`;
}
