/**
 * The RPM spec of one tool version. Its %build follows charter §7 and the §8 template —
 * create the venv with the chosen interpreter, install the locked pip, install the lock
 * with --require-hashes, install the application with --no-deps, pip check — entirely
 * offline from the sources shipped in the SRPM, so `rpmbuild --rebuild` works the same in
 * mock, Koji or COPR as on a runner. Each part below adds its lines to one Spec model
 * (src/rpm/spec-model.ts), written out by writeSpec. Pure.
 */
import {
  assertSafe, DIST_NAME, DIST_VERSION, INTERPRETER, WHEEL_FILE, judgeHome, judgeModule, judgeRelease, judgeToolName, judgeToolVersion,
} from '../inputs/values.js';
import type { Arch, Distro } from '../plan/distros.js';
import {
  interpreterPath, metaPackageName, modulefileDir, modulefilePath, packageName, PHOREUS_ROOT, phoreusPrefix, venvPath,
  type PackageIdentity,
} from '../core/layout.js';
import { emptySpec, writeSpec, type Spec } from './spec-model.js';

export const SOURCES = {
  lock: 'requirements.lock',
  wheelhouse: 'wheelhouse.tar',
  relocate: 'relocate.py',
  modulefile: 'modulefile.lua',
  config: 'phoreus-config.json',
  moduleDefault: 'modulerc.lua',
  installLock: 'install.lock',
  copyFiles: 'copyfiles.tar',
  sbom: 'sbom.cdx.json',
} as const;

export interface SpecInput {
  id: PackageIdentity;
  arch: Arch;
  distro: Distro;
  summary: string;
  license: string;
  url?: string;
  /** Paragraphs of %description. */
  description: string[];
  /** The wheel file of the pip the lock pins, in the wheelhouse; absent when pip is not pinned. */
  pipWheel?: string;
  /**
   * Whether %build installs from Source8: the lock plus the digests of wheels built from
   * verified sdists and the application's own pin. Always so with an application.
   */
  installLock: boolean;
  /** Files of the project copied into the venv (Source9, a tarball laid out as the venv). */
  copyFiles: boolean;
  /** Whether the CycloneDX SBOM (Source10) ships beside the lock. */
  sbom?: boolean;
  /** The application, installed by name with --no-deps from its own wheel. */
  app?: { wheel: string; name: string; version: string };
  /** The meta default package phoreus-<tool>, which requires this version and marks it the default module. */
  meta: boolean;
  /** Seconds since the epoch: the changelog date, from which rpm takes SOURCE_DATE_EPOCH. */
  epoch: number;
  generator: string;
}

/** Free text inside a spec: "%" would expand as a macro, a newline would end the tag, control characters have no place. */
export function specText(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return text.replace(/[\r\n]+/g, ' ').replace(/[\x00-\x1f\x7f-\x9f]/g, '').replace(/%/g, '%%').trim();
}

/** One word of a shell line inside the spec: single-quoted unless plainly safe, and "%" doubled so rpm leaves it alone. */
export function specWord(word: string): string {
  const quoted = /^[A-Za-z0-9_@+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
  return quoted.replace(/%/g, '%%');
}


const judgeBy = (pattern: RegExp, hint: string) => (value: string): string | undefined => (pattern.test(value) ? undefined : hint);

/**
 * Every value the spec is rendered from, checked against its grammar: a value that would
 * reach the spec unchecked is a programming error, never a spec with an injected line.
 */
function checkInput(input: SpecInput): void {
  const { id, app } = input;
  assertSafe('tool name', id.tool, judgeToolName);
  assertSafe('tool version', id.version, judgeToolVersion);
  assertSafe('release', id.release, judgeRelease);
  assertSafe('interpreter', id.interpreter, judgeBy(INTERPRETER, 'use X.Y'));
  assertSafe('interpreter home', id.interpreterHome, judgeHome);
  assertSafe('interpreter module', id.interpreterModule, judgeModule);
  // RPM's URL tag takes one word: a URL with a space in it would stop rpmbuild.
  if (input.url !== undefined) assertSafe('URL', input.url, judgeBy(/^[\x21-\x7e]+$/, 'a URL is one word of printable ASCII'));
  if (!Number.isSafeInteger(input.epoch) || input.epoch < 0) throw new Error(`spec input epoch ${input.epoch} is not a time in seconds`);
  if (input.pipWheel !== undefined) assertSafe('pip wheel', input.pipWheel, judgeBy(WHEEL_FILE, 'not a wheel file name'));
  if (app) {
    assertSafe('application wheel', app.wheel, judgeBy(WHEEL_FILE, 'not a wheel file name'));
    assertSafe('application name', app.name, judgeBy(DIST_NAME, 'not a distribution name'));
    assertSafe('application version', app.version, judgeBy(DIST_VERSION, 'not a version'));
  }
}

function changelogDate(epoch: number): string {
  const d = new Date(epoch * 1000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, '0')} ${d.getUTCFullYear()}`;
}

// Sources, the buildroot and the build interpreter are named through the shell variables rpm
// sets, never through macros: the SRPM keeps the expanded spec in its header, which then
// names no directory of the build host and stays the same from one build to the next.
const source = (name: string): string => `"$RPM_SOURCE_DIR"/${specWord(name)}`;
const ROOT = '"$RPM_BUILD_ROOT"';
const BUILD_PYTHON = 'build_python="${PHOREUS_BUILD_PYTHON:-%{phoreus_build_python}}"';
const BUILD_DIR = 'cd %{name}-%{version}';
const PIP_INSTALL = 'install --no-index --find-links wheelhouse --require-hashes --no-compile';

/** Whether %build installs from Source8 rather than the lock as it is. */
const installsLock = (input: SpecInput): boolean => input.installLock || input.app !== undefined;

/** The macros the rest of the spec names, and the policy of a venv build. */
function definitions(spec: Spec, input: SpecInput): void {
  const { id } = input;
  spec.preamble.push(
    `# Generated by ${specText(input.generator)}: the spec of ${packageName(id)} for ${input.distro.key}/${input.arch}.`,
    `%global tool ${id.tool}`,
    `%global tool_version ${id.version}`,
    `%global pyver ${id.interpreter}`,
    `%global phoreus_root ${PHOREUS_ROOT}`,
    `%global phoreus_prefix ${phoreusPrefix(id)}`,
    `%global venv ${venvPath(id)}`,
    `%global python_home ${id.interpreterHome}`,
    `%global modulefile_dir ${modulefileDir(id)}`,
    `%global modulefile ${modulefilePath(id)}`,
    '# The interpreter the venv is built with: the target one, unless the builder names another of the same X.Y.',
    `%{!?phoreus_build_python:%global phoreus_build_python ${interpreterPath(id)}}`,
    '',
    '# A venv is a frozen runtime stack: no automatic requires or provides (Debian and',
    '# Fedora rpm would generate python3dist(), python(abi) and sonames), no build-id links',
    '# (two tools shipping one wheel would conflict), no debuginfo, no strip, no',
    '# byte-compilation by the system interpreter, no shebang mangling.',
    'AutoReqProv:    no',
    '%global debug_package %{nil}',
    '%global _build_id_links none',
    '%global __os_install_post %{nil}',
    '%global __brp_mangle_shebangs %{nil}',
    '%global __brp_python_bytecompile %{nil}',
    '%global __brp_strip %{nil}',
    `%global _binary_payload ${input.distro.payload}`,
    `%global _source_payload ${input.distro.payload}`,
    '# Reproducible packages: the build time and every file time are this build\'s',
    '# SOURCE_DATE_EPOCH, kept here so a rebuild of the SRPM anywhere gives the same payload.',
    '# rpm clamps file times only to a positive epoch.',
    `%{lua: posix.setenv("SOURCE_DATE_EPOCH", "${Math.max(input.epoch, 1)}")}`,
    '%global use_source_date_epoch_as_buildtime 1',
    '%global clamp_mtime_to_source_date_epoch 1',
    '%global _buildhost phoreus-rpm',
  );
}

/** Name, version, release, what it is, and what it installs on and with. */
function identity(spec: Spec, input: SpecInput): void {
  const { id } = input;
  spec.tags.push(
    ['Name', 'phoreus-%{tool}-%{tool_version}'],
    ['Version', '%{tool_version}'],
    ['Release', `${id.release}%{?dist}`],
    // rpmbuild refuses an empty Summary or License: text that escapes to nothing says so.
    ['Summary', specText(input.summary) || 'No summary given'],
    ['License', specText(input.license) || 'Unspecified'],
    ...(input.url ? [['URL', specText(input.url)] as [string, string]] : []),
    ['ExclusiveArch', input.arch],
  );
  spec.requires.push('phoreus', id.interpreterModule);
  spec.buildRequires.push(id.interpreterModule);
  spec.description = input.description.map(specText).join('\n\n');
}

function sources(spec: Spec, input: SpecInput): void {
  spec.sources.push(
    [0, SOURCES.lock], [1, SOURCES.wheelhouse], [2, SOURCES.relocate], [3, SOURCES.modulefile], [4, SOURCES.config],
    ...(input.meta ? [[6, SOURCES.moduleDefault] as [number, string]] : []),
    ...(input.app ? [[7, input.app.wheel] as [number, string]] : []),
    ...(installsLock(input) ? [[8, SOURCES.installLock] as [number, string]] : []),
    ...(input.copyFiles ? [[9, SOURCES.copyFiles] as [number, string]] : []),
    ...(input.sbom ? [[10, SOURCES.sbom] as [number, string]] : []),
  );
  spec.sections.prep.push(
    'rm -rf %{name}-%{version}',
    'mkdir %{name}-%{version}',
    BUILD_DIR,
    `tar -xf ${source(SOURCES.wheelhouse)}`,
    `cp ${source(SOURCES.lock)} requirements.lock`,
  );
}

/** Charter §7: the venv, the locked pip, the lock and the application, offline; then pip check. */
function venvBuild(spec: Spec, input: SpecInput): void {
  const { app } = input;
  const lock = installsLock(input) ? source(SOURCES.installLock) : 'requirements.lock';
  spec.sections.build.push(
    BUILD_DIR,
    BUILD_PYTHON,
    '# Charter §7: create the venv, install the locked pip, dependencies and application;',
    '# offline, from the sources only. Bytecode of the pip that runs goes to pycache/, never',
    '# into the venv.',
    'unset PYTHONDONTWRITEBYTECODE',
    'export PIP_CONFIG_FILE=/dev/null PIP_NO_INPUT=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONPYCACHEPREFIX="$PWD/pycache"',
    'rm -rf venv pip-run pycache',
    '"$build_python" -m venv --without-pip venv',
    ...(input.pipWheel
      ? ['# pip runs from the locked pip wheel, unpacked: the same pip installs itself with the rest.', `pip_wheel=wheelhouse/${specWord(input.pipWheel)}`]
      : [
          '# The lock pins no pip (PH111): install with the interpreter\'s bundled pip.',
          'pip_wheel="$("$build_python" -c \'import ensurepip, glob, os; print(sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))[-1])\')"',
        ]),
    '"$build_python" -m zipfile -e "$pip_wheel" pip-run',
    '# One pip run, while site-packages holds nothing: no dependency\'s code runs here.',
    '# --ignore-installed: the pip that runs is on the path and would count as installed.',
    ...(app ? [`cp ${source(app.wheel)} wheelhouse/`] : []),
    `venv/bin/python pip-run/pip ${PIP_INSTALL} --ignore-installed -r ${lock}`,
    '# pip check with the venv\'s site hooks off (-I -S) and its site-packages put on the path',
    '# explicitly: a .pth file of a locked wheel never runs on the build host.',
    'venv/bin/python -I -S -X pycache_prefix="$PWD/pycache" -c \'import sys; sys.path[0:0] = sys.argv[1:3]; del sys.argv[1:3]; from pip._internal.cli.main import main; sys.exit(main())\' pip-run venv/lib/python%{pyver}/site-packages check',
  );
}

/** The venv moved to its installed path and relocated, bytecode compiled for it, the lock, configuration, SBOM and modulefile beside it. */
function venvInstall(spec: Spec, input: SpecInput): void {
  spec.sections.install.push(
    BUILD_DIR,
    BUILD_PYTHON,
    `mkdir -p ${ROOT}%{phoreus_prefix}`,
    '# Moved, not copied: the venv is packaged where it was built.',
    `mv venv ${ROOT}%{venv}`,
    '# Relocation drops bytecode no RECORD lists; it is compiled below, by the target',
    '# interpreter version, for the installed path.',
    `"$build_python" ${source(SOURCES.relocate)} ${ROOT}%{venv} "$PWD/venv" %{venv} %{python_home} %{pyver}`,
    ...(input.copyFiles ? ['# copyFiles of phoreus.yaml, laid out as the venv.', `tar -xf ${source(SOURCES.copyFiles)} -C ${ROOT}%{venv} --strip-components=1 --no-same-owner --no-same-permissions`] : []),
    '# No setuid, setgid, sticky or group/world-writable file ships (PH315).',
    `chmod -R u+rwX,go+rX,go-w,a-st ${ROOT}%{phoreus_prefix}`,
    '# Bytecode for the installed path, on every core; wheels that ship bytecode list it in',
    '# RECORD: those rows are kept true to what was compiled.',
    `"$build_python" ${source(SOURCES.relocate)} --bytecode ${ROOT} ${ROOT}%{venv}`,
    `install -m 0644 ${source(SOURCES.lock)} ${ROOT}%{phoreus_prefix}/requirements.lock`,
    `install -m 0644 ${source(SOURCES.config)} ${ROOT}%{phoreus_prefix}/phoreus-config.json`,
    ...(input.sbom ? [`install -m 0644 ${source(SOURCES.sbom)} ${ROOT}%{phoreus_prefix}/${SOURCES.sbom}`] : []),
    `install -D -m 0644 ${source(SOURCES.modulefile)} ${ROOT}%{modulefile}`,
  );
  spec.sections.files.push(
    '%defattr(-,root,root,-)',
    '%dir %{phoreus_root}/%{tool}',
    '%{phoreus_prefix}/',
    '%dir %{modulefile_dir}',
    '%{modulefile}',
  );
}

/** The meta default package phoreus-<tool>: it requires this version and makes it the default module. */
function metaPackage(spec: Spec, input: SpecInput): void {
  if (!input.meta) return;
  const { id } = input;
  spec.sections.install.push(`install -D -m 0644 ${source(SOURCES.moduleDefault)} ${ROOT}%{modulefile_dir}/.modulerc.lua`);
  spec.subpackages.push([
    `%package -n ${metaPackageName(id)}`,
    `Summary:        Default version of ${specText(id.tool)}: ${id.version}`,
    `Requires:       ${packageName(id)} = %{version}-%{release}`,
    '',
    `%description -n ${metaPackageName(id)}`,
    `Marks ${id.tool} ${id.version} as the default ${id.tool} module and pulls it in.`,
    'Installing a newer version of this package moves the default; it never touches',
    'the environment of any version (charter §11).',
    '',
    `%files -n ${metaPackageName(id)}`,
    '%{modulefile_dir}/.modulerc.lua',
  ]);
}

function changelog(spec: Spec, input: SpecInput): void {
  spec.sections.changelog.push(
    `* ${changelogDate(input.epoch)} phoreus-rpm <phoreus-rpm@localhost> - ${input.id.version}-${input.id.release}`,
    `- Built from requirements.lock by ${specText(input.generator)}`,
  );
}

/** The parts of the spec, each editing it in turn. */
const PARTS: ReadonlyArray<(spec: Spec, input: SpecInput) => void> = [definitions, identity, sources, venvBuild, venvInstall, metaPackage, changelog];

export function renderSpec(input: SpecInput): string {
  checkInput(input);
  const spec = emptySpec();
  for (const part of PARTS) part(spec, input);
  return writeSpec(spec);
}
