/**
 * What an sdist needs to be built (PEP 517, PEP 518), read from its pyproject.toml, and
 * which build lock pins it: pure logic, so it is tested without pip.
 */
import { posix } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { lockedPackages } from '../checks/lockfile.js';
import { normalizeName, parseRequirement } from '../requirements/pep508.js';

/** PEP 517's fallback for a project without [build-system]: setuptools' legacy backend. */
export const LEGACY_BACKEND = 'setuptools.build_meta:__legacy__';
const LEGACY_REQUIRES = ['setuptools>=40.8.0'];

export interface BuildSystem {
  /** The [build-system] requires, as PEP 508 strings. */
  requires: string[];
  backend: string;
  /** backend-path: directories of the source tree put first on sys.path, for a backend kept in the tree. */
  backendPath: string[];
}

/** The build system an sdist declares; PEP 517's defaults when it declares none or cannot be read. */
export function buildSystem(pyproject: string | undefined): BuildSystem {
  const legacy = { requires: LEGACY_REQUIRES, backend: LEGACY_BACKEND, backendPath: [] };
  if (pyproject === undefined) return legacy;
  let table: unknown;
  try {
    table = (parseToml(pyproject) as Record<string, unknown>)['build-system'];
  } catch {
    return legacy;
  }
  if (typeof table !== 'object' || table === null) return legacy;
  const { requires, 'build-backend': backend, 'backend-path': backendPath } = table as { requires?: unknown; 'build-backend'?: unknown; 'backend-path'?: unknown };
  const strings = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((r): r is string => typeof r === 'string') : undefined);
  return {
    requires: strings(requires) ?? LEGACY_REQUIRES,
    backend: typeof backend === 'string' && /^[\w.:]{1,200}$/.test(backend) ? backend : LEGACY_BACKEND,
    backendPath: strings(backendPath) ?? [],
  };
}

/** The first backend-path entry that is not a directory inside the source tree, as PEP 517 requires it to be. */
export function outsideTree(backendPath: readonly string[]): string | undefined {
  return backendPath.find((entry) => entry === '' || entry.includes('\0') || posix.isAbsolute(entry) || posix.normalize(entry).split('/')[0] === '..');
}

/** The names a build needs that a lock does not pin for this interpreter and arch. */
export function unpinnedRequires(requires: readonly string[], lockText: string, interpreter: string, arch: string): string[] {
  const pinned = new Set(lockedPackages(lockText, interpreter, arch).map((p) => normalizeName(p.name)));
  const missing: string[] = [];
  for (const text of requires) {
    const parsed = parseRequirement(text);
    const name = parsed.ok ? normalizeName(parsed.requirement.name) : text;
    if (!pinned.has(name)) missing.push(name);
  }
  return missing;
}

/**
 * The backend and its version as the built wheel's WHEEL file records them ("Generator:
 * setuptools (75.1.0)", "hatchling 1.25.0", "bdist_wheel (0.44.0)").
 */
export function generatorOf(wheelFile: string): string | undefined {
  const line = /^Generator:[ \t]*(.+)$/m.exec(wheelFile)?.[1]?.trim();
  if (!line) return undefined;
  const m = /^([\w.+-]{1,100})[ \t]*\(?[ \t]*([\w.+!-]{1,60})?\)?$/.exec(line);
  return m ? (m[2] ? `${m[1]} ${m[2]}` : m[1]) : undefined;
}
