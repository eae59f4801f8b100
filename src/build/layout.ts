/** Where a tool version lives on an installed system, and what its packages are called (charter §3, §8, §9). */

export const PHOREUS_ROOT = '/usr/local/phoreus';
export const DEFAULT_INTERPRETER_HOME = `${PHOREUS_ROOT}/python/{python}`;
export const DEFAULT_INTERPRETER_MODULE = 'phoreus-python-{python}';

export interface PackageIdentity {
  tool: string;
  version: string;
  release: string;
  /** Target interpreter X.Y. */
  interpreter: string;
  /** The interpreter's prefix on installed systems: its python lives in <home>/bin. */
  interpreterHome: string;
  /** The Lmod module (and RPM) that provides the interpreter. */
  interpreterModule: string;
}

/** Expands the {python} placeholder of the interpreter home and module patterns. */
export function expandPython(pattern: string, interpreter: string): string {
  return pattern.split('{python}').join(interpreter);
}

export const packageName = (id: PackageIdentity): string => `phoreus-${id.tool}-${id.version}`;
export const metaPackageName = (id: PackageIdentity): string => `phoreus-${id.tool}`;
export const phoreusPrefix = (id: PackageIdentity): string => `${PHOREUS_ROOT}/${id.tool}/${id.version}`;
export const venvPath = (id: PackageIdentity): string => `${phoreusPrefix(id)}/venv`;
export const modulefileDir = (id: PackageIdentity): string => `${PHOREUS_ROOT}/modulefiles/${id.tool}`;
export const modulefilePath = (id: PackageIdentity): string => `${modulefileDir(id)}/${id.version}.lua`;
export const interpreterPath = (id: PackageIdentity): string => `${id.interpreterHome}/bin/python${id.interpreter}`;
