/**
 * The target distributions, in one table: each one's %{dist}, glibc baseline, RPM payload
 * compression and base shared libraries, and from the glibc baseline the manylinux tags a
 * wheel may carry to run there.
 */
import { UsageError } from '../core/errors.js';

export interface Distro {
  key: string;
  /** RPM %{dist} tag. */
  dist: string;
  /** Oldest glibc of the distribution's releases, as [major, minor]. */
  glibc: [number, number];
  /** RPM %_binary_payload. */
  payload: string;
  /** Container image of the distribution, for the error that points there. */
  image: string;
}

/**
 * zstd at its default level 3, on every core (T0): several times faster than the
 * distributions' level 19 on a venv, for more bytes (the charter puts determinism before
 * disk). zstd's multi-threaded mode gives the same bytes for any number of workers, and the
 * header records "3T0" whatever the machine, so the RPM stays bit-identical across hosts.
 */
const ZSTD = 'w3T0.zstdio';

const FIXED: Record<string, Distro> = {
  el8: { key: 'el8', dist: '.el8', glibc: [2, 28], payload: 'w2.xzdio', image: 'rockylinux:8' },
  el9: { key: 'el9', dist: '.el9', glibc: [2, 34], payload: ZSTD, image: 'rockylinux:9' },
  el10: { key: 'el10', dist: '.el10', glibc: [2, 39], payload: ZSTD, image: 'rockylinux/rockylinux:10' },
  amzn2023: { key: 'amzn2023', dist: '.amzn2023', glibc: [2, 34], payload: ZSTD, image: 'amazonlinux:2023' },
};

/** glibc of each Fedora release that still matters; later releases are refused until added. */
const FEDORA_GLIBC: Record<number, [number, number]> = {
  38: [2, 37], 39: [2, 38], 40: [2, 39], 41: [2, 40], 42: [2, 41], 43: [2, 42],
};

export const DISTRO_KEYS = [...Object.keys(FIXED), ...Object.keys(FEDORA_GLIBC).map((n) => `fedora-${n}`)];

export function distro(key: string): Distro {
  const fixed = FIXED[key];
  if (fixed) return fixed;
  const fedora = /^fedora-([1-9]\d*)$/.exec(key);
  const release = fedora ? Number(fedora[1]) : NaN;
  const glibc = FEDORA_GLIBC[release];
  if (glibc) return { key, dist: `.fc${release}`, glibc, payload: ZSTD, image: `fedora:${release}` };
  throw new UsageError(`distro "${key}" is not one of ${DISTRO_KEYS.join(', ')}`);
}

export const ARCHES = ['x86_64', 'aarch64'] as const;
export type Arch = (typeof ARCHES)[number];

/** The architecture of this machine, in RPM's spelling. */
export function hostArch(): Arch {
  if (process.arch === 'x64') return 'x86_64';
  if (process.arch === 'arm64') return 'aarch64';
  throw new UsageError(`this machine's architecture (${process.arch}) is not one Phoreus builds for (${ARCHES.join(', ')})`);
}

/** Platform key of the configuration file's per-platform rules (linux-x64, linux-aarch64). */
export function platformKey(arch: Arch): string {
  return arch === 'x86_64' ? 'linux-x64' : 'linux-aarch64';
}

/**
 * Every manylinux platform tag a wheel may carry to run on glibc `major.minor`, newest first.
 * pip does not expand manylinux_2_X to older tags when --platform is given, so all are listed,
 * with the legacy aliases manylinux2014 (2.17), manylinux2010 (2.12) and manylinux1 (2.5).
 */
export function manylinuxTags(glibc: readonly [number, number], arch: Arch): string[] {
  const [major, minor] = glibc;
  const tags: string[] = [];
  const legacy: Record<number, string> = { 17: 'manylinux2014', 12: 'manylinux2010', 5: 'manylinux1' };
  for (let m = minor; m >= 5; m--) {
    if (arch === 'aarch64' && m < 17) break; // aarch64 wheels start at manylinux2014
    tags.push(`manylinux_${major}_${m}_${arch}`);
    const alias = legacy[m];
    if (alias && (arch === 'x86_64' || m === 17)) tags.push(`${alias}_${arch}`);
  }
  return tags;
}
