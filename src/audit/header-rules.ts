/**
 * The rules on an RPM's header: what it requires and provides, its scriptlets, and whether
 * its name and version agree with where its files go. PH202, PH203, PH206, PH311, PH313. Pure.
 */
import { finding, type Finding } from '../core/finding.js';
import { packageName, PHOREUS_ROOT, phoreusPrefix } from '../core/layout.js';

export interface Scriptlet {
  /** "postinstall scriptlet (using /bin/sh)", "triggerin script (through /bin/sh) -- foo" … */
  kind: string;
  body: string;
}

export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  arch: string;
  requires: string[];
  provides: string[];
  scriptlets: Scriptlet[];
  /** Every file the header lists, with the mode rpm gives it (-1: a name that broke the listing) and its digest, hex. */
  files: Array<{ path: string; mode: number; digest?: string }>;
  /** Regular files' sha256 by name in the archive, base64url, when the header's digests can be trusted (rpm-file.ts). */
  digests: Map<string, string>;
}

export interface HeaderContext {
  /** The RPM file's name, which header findings name. */
  file: string;
  interpreterModule: string;
}

/** Shared Python modules (python3-numpy, python3dist(numpy)) and the system interpreter itself (python3, python3.11, /usr/bin/python3). */
const SHARED_PYTHON = /^(python(\d(\.\d+)?)?(-.+)?$|python\d?(\.\d+)?dist\(|python\(abi\)|\/usr\/bin\/python|libpython)/;
const INTERPRETER_MODULE = /^phoreus-python-\d+\.\d+$/;

/** Name of a dependency, without its version clause ("python3-numpy >= 1.2" → "python3-numpy"). */
const depName = (dep: string): string => dep.split(/\s+/)[0] ?? dep;

export function checkRequires(header: RpmHeader, ctx: HeaderContext): Finding[] {
  const findings: Finding[] = [];
  const names = header.requires.map(depName).filter((n) => !n.startsWith('rpmlib('));
  for (const name of names.filter((n) => SHARED_PYTHON.test(n))) {
    findings.push(finding('PH202', ctx.file, 1, `the RPM requires ${name}, a shared Python module or system Python; a Phoreus tool carries its dependencies in its own venv and requires only phoreus and ${ctx.interpreterModule} (charter §3.1, §10): disable automatic dependencies (AutoReqProv: no) and drop the Requires`));
  }
  const modules = [...new Set(names.filter((n) => INTERPRETER_MODULE.test(n) || n === ctx.interpreterModule))];
  if (modules.length !== 1 || modules[0] !== ctx.interpreterModule) {
    const found = modules.length ? modules.join(', ') : 'none';
    findings.push(finding('PH203', ctx.file, 1, `the RPM must require exactly one interpreter module, ${ctx.interpreterModule}; it requires ${found}: fix the Requires of the spec (charter §5)`));
  }
  if (!names.includes('phoreus')) {
    findings.push(finding('PH203', ctx.file, 1, 'the RPM does not require phoreus: add "Requires: phoreus" (charter §5, §8)'));
  }
  return findings;
}

const SONAME = /^lib[^()\s]*\.so(\.|\(|$)/;

export function checkProvides(header: RpmHeader, ctx: HeaderContext): Finding[] {
  return header.provides
    .map(depName)
    .filter((n) => /^python(3(\.\d+)?)?dist\(|^python\(abi\)|^python3(\.\d+)?-/.test(n) || SONAME.test(n))
    .map((n) => finding('PH311', ctx.file, 1, `the RPM provides ${n}, so it would satisfy other packages' dependencies with files of a private venv; disable automatic provides (AutoReqProv: no)`));
}

const RUNS_INSTALLER = /(^|[\s;&|(`"'/])(pip3?(\.\d+)?|ensurepip|conda|mamba|micromamba)(\s|$|;)|-m\s+(pip|ensurepip)\b/m;
const VENV = '\\/usr\\/local\\/phoreus\\/[^\\s/]+\\/[^\\s/]+\\/venv';
const WRITES = new RegExp(`(^|[\\s;&|(])(rm|cp|mv|ln|install|sed\\s+-i|tee|touch|chmod|chown|truncate|patch)\\s[^\\n]*${VENV}|>>?\\s*${VENV}|-m\\s+compileall\\b[^\\n]*${VENV}|find\\s[^\\n]*${VENV}[^\\n]*-(delete|exec)`, 'm');

export function checkScriptlets(header: RpmHeader, ctx: HeaderContext): Finding[] {
  const findings: Finding[] = [];
  for (const s of header.scriptlets) {
    const kind = s.kind.replace(/\s*\(.*$/, '');
    if (RUNS_INSTALLER.test(s.body)) {
      findings.push(finding('PH206', ctx.file, 1, `the ${kind} runs a package installer or environment manager (${RUNS_INSTALLER.exec(s.body)?.[0].trim()}): dependencies are resolved at build time only, never on the installed system (charter §10, §11); remove it`));
    } else if (WRITES.test(s.body)) {
      findings.push(finding('PH206', ctx.file, 1, `the ${kind} writes into an installed venv: no virtual environment may be modified in place (charter §11); remove it`));
    }
  }
  return findings;
}

/** Tool and version from the payload's prefix, <phoreus root>/<tool>/<version>/…. */
export function payloadIdentity(paths: readonly string[]): { tool: string; version: string } | undefined {
  for (const path of paths) {
    if (!path.startsWith(`${PHOREUS_ROOT}/`)) continue;
    const m = /^([^/]+)\/([^/]+)\/venv(\/|$)/.exec(path.slice(PHOREUS_ROOT.length + 1));
    if (m && m[1] !== 'modulefiles' && m[1] !== 'python') return { tool: m[1] ?? '', version: m[2] ?? '' };
  }
  return undefined;
}

export function checkIdentity(header: RpmHeader, identity: { tool: string; version: string } | undefined, ctx: HeaderContext): Finding[] {
  if (!identity) {
    return [finding('PH313', ctx.file, 1, `the payload has no venv under ${PHOREUS_ROOT}/<tool>/<version>/venv: a Phoreus tool RPM ships exactly that (charter §3.1)`)];
  }
  const expected = packageName(identity);
  const findings: Finding[] = [];
  if (header.name !== expected) {
    findings.push(finding('PH313', ctx.file, 1, `the RPM is named ${header.name} but its files are under ${phoreusPrefix(identity)}/: name it ${expected} (charter §8)`));
  }
  if (header.version !== identity.version) {
    findings.push(finding('PH313', ctx.file, 1, `the RPM's Version is ${header.version} but its files are under ${phoreusPrefix(identity)}/: the two must agree (charter §8)`));
  }
  return findings;
}
