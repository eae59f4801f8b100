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

/** What the installed paths depend on: the tool and its version. */
type ToolVersion = Pick<PackageIdentity, 'tool' | 'version'>;

export const packageName = (id: ToolVersion): string => `phoreus-${id.tool}-${id.version}`;
export const metaPackageName = (id: Pick<PackageIdentity, 'tool'>): string => `phoreus-${id.tool}`;
export const MODULEFILE_ROOT = `${PHOREUS_ROOT}/modulefiles`;
export const toolDir = (tool: string): string => `${PHOREUS_ROOT}/${tool}`;
export const phoreusPrefix = (id: ToolVersion): string => `${toolDir(id.tool)}/${id.version}`;
export const venvPath = (id: ToolVersion): string => `${phoreusPrefix(id)}/venv`;
export const modulefileDir = (id: Pick<PackageIdentity, 'tool'>): string => `${MODULEFILE_ROOT}/${id.tool}`;
export const modulefilePath = (id: ToolVersion): string => `${modulefileDir(id)}/${id.version}.lua`;
export const interpreterPath = (id: PackageIdentity): string => `${id.interpreterHome}/bin/python${id.interpreter}`;
