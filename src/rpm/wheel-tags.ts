/**
 * Which files of a package the target can install: a wheel's name, version and tags read
 * from its file name (PEP 427), judged against the tags pip accepts for CPython X.Y on the
 * target's glibc and arch (the same set `pip download --platform … --abi …` is given), and
 * an sdist recognised by its name. Pure.
 */
import { manylinuxTags, type Arch, type Distro } from '../plan/distros.js';
import { normalizeName } from '../requirements/pep508.js';
import { satisfies } from '../requirements/versions.js';

export interface WheelName {
  name: string;
  version: string;
  /** Every (python, abi, platform) the file name declares, compressed sets expanded. */
  tags: Array<[string, string, string]>;
}

const WHEEL = /^([A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?)-([^-]+)(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$/;

export function parseWheelName(file: string): WheelName | undefined {
  const m = WHEEL.exec(file);
  if (!m) return undefined;
  const [, name = '', version = '', py = '', abi = '', plat = ''] = m;
  const tags: Array<[string, string, string]> = [];
  for (const p of py.split('.')) for (const a of abi.split('.')) for (const t of plat.split('.')) tags.push([p, a, t]);
  return { name, version, tags };
}

/**
 * The (python, abi, platform) triples pip accepts for the target, most preferred first, in
 * the order of packaging's sys_tags: the interpreter's own ABI, abi3, no ABI, older abi3,
 * then the generic python tags, each across the platforms from the most specific glibc down.
 */
export function supportedTags(interpreter: string, distro: Distro, arch: Arch): Set<string> {
  const minor = Number(interpreter.split('.')[1]);
  const cp = `cp3${minor}`;
  const platforms = manylinuxTags(distro.glibc, arch);
  const tags = new Set<string>();
  const across = (python: string, abi: string): void => platforms.forEach((plat) => tags.add(`${python}-${abi}-${plat}`));
  across(cp, cp);
  across(cp, 'abi3');
  across(cp, 'none');
  for (let m = minor - 1; m >= 2; m--) across(`cp3${m}`, 'abi3');
  const generic = [`py3${minor}`, 'py3', ...Array.from({ length: minor }, (_, i) => `py3${minor - 1 - i}`)];
  for (const python of generic) across(python, 'none');
  tags.add(`${cp}-none-any`);
  for (const python of generic) tags.add(`${python}-none-any`);
  return tags;
}

/** How much pip prefers a wheel for the target: the position of its best tag among the supported ones (lower first). */
export function wheelRank(file: string, supported: ReadonlySet<string>): number {
  const wheel = parseWheelName(file);
  if (!wheel) return Infinity;
  let rank = Infinity;
  let i = 0;
  const wanted = new Set(wheel.tags.map(([p, a, t]) => `${p}-${a}-${t}`));
  for (const tag of supported) {
    if (wanted.has(tag)) {
      rank = i;
      break;
    }
    i++;
  }
  return rank;
}

/** True when the file is a wheel of this package and version the target can install. */
export function wheelFits(file: string, pin: { name: string; version: string }, supported: ReadonlySet<string>): boolean {
  const wheel = parseWheelName(file);
  if (!wheel || normalizeName(wheel.name) !== normalizeName(pin.name) || !sameVersion(wheel.version, pin.version)) return false;
  return wheel.tags.some(([p, a, t]) => supported.has(`${p}-${a}-${t}`));
}

/** True when the file is an sdist of this package and version. */
export function sdistFits(file: string, pin: { name: string; version: string }): boolean {
  const m = /^(.+)-([^-]+)\.(tar\.gz|zip|tar\.bz2|tar\.xz|tgz)$/.exec(file);
  return m !== null && normalizeName(m[1] ?? '') === normalizeName(pin.name) && sameVersion(m[2] ?? '', pin.version);
}

/** The version in a file name against the pin, by PEP 440 equality ("1.0.post1" is "1.0-post1"). */
function sameVersion(file: string, pin: string): boolean {
  return file === pin || satisfies(file, [{ operator: '==', version: pin }]);
}
