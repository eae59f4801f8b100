/**
 * Wheels built from sdists, only where that is sound: the sdist has been fetched with its
 * hash checked against the lock, it is built with --no-deps, and the wheel is kept when it
 * is pure Python, or when this machine's glibc is no newer than the target's and the
 * architecture is the target's (a container of the target distro). Otherwise the build
 * stops with the package named and a container pointed to.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { WHEEL_FILE } from '../inputs/values.js';
import { BuildFailure } from './failure.js';
import { hostArch, type Arch, type Distro } from '../plan/distros.js';
import type { Log } from '../report/log.js';
import { redact } from '../report/redact.js';
import { lastLine, run } from '../tools/process.js';

export interface SourceBuilt {
  sdist: string;
  wheel: string;
  sha256: string;
}

export interface SourceBuildRequest {
  python: string;
  name: string;
  /** The sdist, already checked against the lock's hashes. */
  sdist: string;
  /** Where the built wheel goes (beside the sdist, in the build's wheelhouse). */
  dir: string;
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

export async function buildFromSdist(request: SourceBuildRequest, log: Log): Promise<SourceBuilt> {
  const work = join(request.dir, `.sdist-${request.name}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    log.info(`${request.name}: building from its sdist (${request.reason})`);
    const wheelDir = join(work, 'wheel');
    const built = await run(request.python, ['-m', 'pip', 'wheel', '--no-deps', '--no-cache-dir', '--disable-pip-version-check', '--no-input',
      '--wheel-dir', wheelDir, ...request.indexArgs, request.sdist], { env: { ...process.env, SOURCE_DATE_EPOCH: String(request.epoch) } });
    if (built.exitCode !== 0) {
      throw new BuildFailure(`${request.name}: building its sdist failed (${redact(lastLine(built.stderr))}); build in a container of the target distro (\`container: ${request.distro.image}\` in the workflow), with the build tools it needs`);
    }
    const wheel = readdirSync(wheelDir).find((f) => f.endsWith('.whl')) ?? '';
    if (!WHEEL_FILE.test(wheel)) throw new BuildFailure(`${request.name}: building its sdist produced no wheel with a plain file name`);
    if (!isSound(wheel, await hostGlibc(request.python), request.distro, request.arch, hostArch())) {
      throw new BuildFailure(`${request.name} has no wheel for ${request.distro.key} ${request.arch}, and its sdist builds compiled code (${wheel}) against this machine's newer glibc, which would not run on ${request.distro.key}: build in a container of the target distro (\`container: ${request.distro.image}\` in the workflow)`);
    }
    const data = readFileSync(join(wheelDir, wheel));
    renameSync(join(wheelDir, wheel), join(request.dir, wheel));
    return { sdist: basename(request.sdist), wheel, sha256: createHash('sha256').update(data).digest('hex') };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
