/**
 * The application's own wheel, built from a copy of the project (so the project tree is left
 * as it was). Its build backend comes from requirements-build.lock with --require-hashes when
 * the project has one, and is called directly (PEP 517); otherwise pip's isolated build
 * resolves it, which the build reports as a warning (PH114).
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { DIST_NAME, DIST_VERSION, WHEEL_FILE } from '../inputs/values.js';
import { removeScratch, scratchDir } from '../tools/lifecycle.js';
import { BuildFailure, UsageError } from '../core/errors.js';
import type { Log } from '../core/log.js';
import { lastLine, run } from '../tools/process.js';
import { pipIndexArgs, pipNetworkEnv } from '../tools/index-access.js';
import { resourcePath } from '../tools/resources.js';
import { pythonVenv, venvEnv } from '../tools/venv.js';
import { buildSystem, outsideTree } from './sdist-backend.js';
import { shown } from '../core/outward.js';

export const BUILD_LOCK = 'requirements-build.lock';

/** Never package content, wherever they are: version control, bytecode and tool caches. */
const NOT_COPIED_ANYWHERE = new Set(['.git', '.hg', '.svn', '__pycache__', '.mypy_cache', '.pytest_cache', '.ruff_cache']);
/**
 * What a backend makes or a developer keeps beside the project: left out only at its top,
 * so a package's own `mypkg/build/` or `mypkg/dist/` subpackage ships.
 */
const NOT_COPIED_AT_TOP = new Set(['build', 'dist', '.venv', 'venv', 'node_modules', '.tox', '.nox', '.eggs']);

/** Whether a path of the project (relative to it) is left out of the copy the wheel is built from. */
export function leftOut(relPath: string): boolean {
  const parts = relPath.split(sep);
  const name = parts[parts.length - 1] ?? '';
  return NOT_COPIED_ANYWHERE.has(name) || name.endsWith('.egg-info') || (parts.length === 1 && NOT_COPIED_AT_TOP.has(name));
}

export function isApplicationProject(project: string): boolean {
  return existsSync(join(project, 'pyproject.toml')) || existsSync(join(project, 'setup.py'));
}

export interface AppWheel {
  path: string;
  file: string;
  name: string;
  version: string;
}

/**
 * A symlink in the project is copied as a link, and the build backend would pack what it
 * points at: one that leads out of the project would ship a file of the build machine.
 */
function refuseEscapingLink(root: string, path: string): void {
  if (!lstatSync(path).isSymbolicLink()) return;
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    return; // a dangling link packs nothing
  }
  if (target !== root && !target.startsWith(`${root}${sep}`)) {
    throw new BuildFailure(`${relative(root, path)} is a symlink to ${shown(target)}, outside the project: the application wheel would carry a file of the build machine; replace it with the file itself`);
  }
}

/** Reads Name and Version from a wheel's METADATA with the build interpreter's zipfile. */
async function wheelMetadata(python: string, wheel: string): Promise<{ name: string; version: string }> {
  const script = 'import sys, zipfile, email.parser\nz = zipfile.ZipFile(sys.argv[1])\nm = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")][0]\nh = email.parser.Parser().parsestr(z.read(m).decode())\nprint(h["Name"]); print(h["Version"])';
  const r = await run(python, ['-c', script, wheel]);
  const [name, version] = r.stdout.trim().split('\n');
  if (r.exitCode !== 0 || !name || !version) throw new BuildFailure(`cannot read the metadata of ${basename(wheel)}: ${lastLine(r.stderr)}`);
  // Name and version reach the spec and the install lock: only what PEP 508 and PEP 440 allow.
  if (!DIST_NAME.test(name) || !DIST_VERSION.test(version)) {
    throw new BuildFailure(`the application wheel's metadata names "${shown(name)}" version "${shown(version)}", which is not a valid distribution name and version; fix [project] name and version in pyproject.toml`);
  }
  return { name, version };
}

/**
 * The Python that builds the application's wheel: a private venv of requirements-build.lock
 * (installed with --require-hashes, so fetched with the wheelhouse), or undefined when the
 * project pins no backend.
 */
export async function lockedBuilder(project: string, python: string, log: Log): Promise<string | undefined> {
  const buildLock = join(project, BUILD_LOCK);
  return existsSync(buildLock) ? pythonVenv(python, buildLock, log) : undefined;
}

/**
 * The command that builds the wheel: the locked builder's python calls the project's backend
 * itself (tools/pep517/build_wheel.py: no isolation, no index, nothing resolved or
 * installed); without a locked builder, pip's isolated build resolves the backend.
 */
function wheelCommand(source: string, wheelDir: string, python: string, lockedPython: string | undefined, options: { indexUrl?: string; extraIndexUrls: string[]; findLinks: string[] }): [string, string[]] {
  if (lockedPython === undefined) {
    return [python, ['-m', 'pip', 'wheel', '--no-deps', '--no-cache-dir', '--disable-pip-version-check', '--no-input', '--wheel-dir', wheelDir, ...pipIndexArgs(options), source]];
  }
  const frontend = resourcePath('tools/pep517/build_wheel.py');
  if (!frontend) throw new UsageError('tools/pep517/build_wheel.py is missing from the action; use a complete checkout of phoreus-rpm');
  const pyproject = join(source, 'pyproject.toml');
  const system = buildSystem(existsSync(pyproject) ? readFileSync(pyproject, 'utf8') : undefined);
  const outside = outsideTree(system.backendPath);
  if (outside !== undefined) throw new BuildFailure(`pyproject.toml: [build-system] backend-path "${shown(outside)}" is not a directory inside the project, as PEP 517 requires; name a directory of the project, relative to it`);
  return [lockedPython, [frontend, source, wheelDir, system.backend, ...system.backendPath]];
}

/** Builds the wheel with the locked builder (no build isolation, no index), else with pip's isolated build. */
export async function buildAppWheel(project: string, python: string, lockedPython: string | undefined, out: string, epoch: number, log: Log, options: { indexUrl?: string; extraIndexUrls: string[]; findLinks: string[] }): Promise<AppWheel> {
  const work = scratchDir('phoreus-app-');
  try {
    const source = join(work, 'src');
    const root = realpathSync(project);
    cpSync(project, source, {
      recursive: true,
      filter: (src) => {
        refuseEscapingLink(root, src);
        return !leftOut(relative(project, src));
      },
    });
    const [command, args] = wheelCommand(source, join(work, 'wheel'), python, lockedPython, options);
    log.info(`Building the application wheel${lockedPython !== undefined ? ` with the backend pinned by ${BUILD_LOCK}` : ''}`);
    const result = await run(command, args, { env: venvEnv(pipNetworkEnv({ ...process.env, SOURCE_DATE_EPOCH: String(epoch) })) });
    if (result.exitCode !== 0) throw new BuildFailure(`building the application wheel failed: ${lastLine(result.stderr)}`);
    const file = readdirSync(join(work, 'wheel')).find((f) => f.endsWith('.whl'));
    if (!file) throw new BuildFailure('building the application wheel produced no wheel');
    if (!WHEEL_FILE.test(file)) throw new BuildFailure(`the application wheel is named "${shown(file)}", which is not a plain wheel file name; fix the project's name and version`);
    mkdirSync(out, { recursive: true });
    const path = join(out, file);
    cpSync(join(work, 'wheel', file), path);
    return { path, file, ...(await wheelMetadata(python, path)) };
  } finally {
    removeScratch(work);
  }
}
