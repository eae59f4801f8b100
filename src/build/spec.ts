/**
 * The RPM spec of one tool version. Its %build follows charter §7 and the §8 template —
 * create the venv with the chosen interpreter, install the locked pip, install the lock
 * with --require-hashes, install the application with --no-deps, pip check — entirely
 * offline from the sources shipped in the SRPM, so `rpmbuild --rebuild` works the same in
 * mock, Koji or COPR as on a runner. Pure rendering.
 */
import type { Arch, Distro } from '../plan/distros.js';
import {
  interpreterPath, metaPackageName, modulefileDir, modulefilePath, packageName, PHOREUS_ROOT, phoreusPrefix, venvPath,
  type PackageIdentity,
} from './layout.js';

export const SOURCES = {
  lock: 'requirements.lock',
  wheelhouse: 'wheelhouse.tar',
  relocate: 'relocate.py',
  modulefile: 'modulefile.lua',
  config: 'phoreus-config.json',
  moduleDefault: 'modulerc.lua',
  pipLock: 'pip.lock',
  installLock: 'install.lock',
  copyFiles: 'copyfiles.tar',
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
  /** The lock plus the digests of wheels built from verified sdists, when there are such (Source8). */
  installLock: boolean;
  /** Files of the project copied into the venv (Source9, a tarball laid out as the venv). */
  copyFiles: boolean;
  /** The application, installed by name with --no-deps from its own wheel. */
  app?: { wheel: string; name: string; version: string };
  /** The meta default package phoreus-<tool>, which requires this version and marks it the default module. */
  meta: boolean;
  /** Seconds since the epoch: the changelog date, from which rpm takes SOURCE_DATE_EPOCH. */
  epoch: number;
  generator: string;
}

/** Free text inside a spec: "%" would expand as a macro, a newline would end the tag. */
export function specText(text: string): string {
  return text.replace(/%/g, '%%').replace(/[\r\n]+/g, ' ').trim();
}

function changelogDate(epoch: number): string {
  const d = new Date(epoch * 1000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, '0')} ${d.getUTCFullYear()}`;
}

export function renderSpec(input: SpecInput): string {
  const { id, app } = input;
  const pip = input.pipWheel ? `wheelhouse/${input.pipWheel}/pip` : '"$bundled_pip"';
  const pipInstall = 'install --no-index --find-links wheelhouse --require-hashes --no-compile';
  const sources = [
    `Source0:        ${SOURCES.lock}`,
    `Source1:        ${SOURCES.wheelhouse}`,
    `Source2:        ${SOURCES.relocate}`,
    `Source3:        ${SOURCES.modulefile}`,
    `Source4:        ${SOURCES.config}`,
    ...(input.pipWheel ? [`Source5:        ${SOURCES.pipLock}`] : []),
    ...(input.meta ? [`Source6:        ${SOURCES.moduleDefault}`] : []),
    ...(app ? [`Source7:        ${app.wheel}`] : []),
    ...(input.installLock ? [`Source8:        ${SOURCES.installLock}`] : []),
    ...(input.copyFiles ? [`Source9:        ${SOURCES.copyFiles}`] : []),
  ];
  const lock = input.installLock ? '%{SOURCE8}' : 'requirements.lock';

  const build = [
    '# Charter §7: create the venv, upgrade pip deterministically, install the locked',
    '# dependencies, install the application; offline, from the sources only.',
    'export PIP_CONFIG_FILE=/dev/null PIP_NO_INPUT=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1',
    'rm -rf venv',
    '%{phoreus_build_python} -m venv --without-pip venv',
    ...(input.pipWheel
      ? [`venv/bin/python ${pip} ${pipInstall} --no-deps -r %{SOURCE5}`, 'pip="-m pip"']
      : [
          '# The lock pins no pip (PH111): install with the interpreter\'s bundled pip.',
          'bundled_pip="$(%{phoreus_build_python} -c \'import ensurepip, glob, os; print(sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))[-1])\')/pip"',
          'pip="$bundled_pip"',
        ]),
    `venv/bin/python $pip ${pipInstall} -r ${lock}`,
    ...(app
      ? [
          'mkdir -p app && cp %{SOURCE7} app/',
          `venv/bin/python $pip install --no-index --find-links app --no-deps --no-compile ${app.name}==${app.version}`,
        ]
      : []),
    'venv/bin/python $pip check',
  ];

  const install = [
    'mkdir -p %{buildroot}%{phoreus_prefix}',
    'cp -a venv %{buildroot}%{venv}',
    '# Relocation drops bytecode no RECORD lists; it is compiled below, by the target',
    '# interpreter version, for the installed path.',
    '%{phoreus_build_python} %{SOURCE2} %{buildroot}%{venv} "$PWD/venv" %{venv} %{python_home} %{pyver}',
    ...(input.copyFiles ? ['# copyFiles of phoreus.yaml, laid out as the venv.', 'tar -xf %{SOURCE9} -C %{buildroot}%{venv} --strip-components=1 --no-same-owner'] : []),
    '%{phoreus_build_python} -m compileall -q -j 0 --invalidation-mode unchecked-hash -s %{buildroot} -p / %{buildroot}%{venv}/lib/python%{pyver}/site-packages',
    '# Wheels that ship bytecode list it in RECORD: keep those rows true to what was compiled.',
    '%{phoreus_build_python} %{SOURCE2} --bytecode-records %{buildroot}%{venv}',
    'install -m 0644 %{SOURCE0} %{buildroot}%{phoreus_prefix}/requirements.lock',
    'install -m 0644 %{SOURCE4} %{buildroot}%{phoreus_prefix}/phoreus-config.json',
    'install -D -m 0644 %{SOURCE3} %{buildroot}%{modulefile}',
    ...(input.meta ? ['install -D -m 0644 %{SOURCE6} %{buildroot}%{modulefile_dir}/.modulerc.lua'] : []),
  ];

  const meta = input.meta
    ? [
        '',
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
      ]
    : [];

  return [
    `# Generated by ${input.generator}: the spec of ${packageName(id)} for ${input.distro.key}/${input.arch}.`,
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
    '# Reproducible headers: build time and file times from the changelog date.',
    '%global source_date_epoch_from_changelog 1',
    '%global use_source_date_epoch_as_buildtime 1',
    '%global clamp_mtime_to_source_date_epoch 1',
    '%global _buildhost phoreus-rpm',
    '',
    'Name:           phoreus-%{tool}-%{tool_version}',
    'Version:        %{tool_version}',
    `Release:        ${id.release}%{?dist}`,
    `Summary:        ${specText(input.summary)}`,
    `License:        ${specText(input.license)}`,
    ...(input.url ? [`URL:            ${specText(input.url)}`] : []),
    `ExclusiveArch:  ${input.arch}`,
    ...sources,
    '',
    'Requires:       phoreus',
    `Requires:       ${id.interpreterModule}`,
    `BuildRequires:  ${id.interpreterModule}`,
    '',
    '%description',
    input.description.map(specText).join('\n\n'),
    ...meta,
    '',
    '%prep',
    '%setup -q -c -T',
    'tar -xf %{SOURCE1}',
    'cp %{SOURCE0} requirements.lock',
    '',
    '%build',
    ...build,
    '',
    '%install',
    ...install,
    '',
    '%files',
    '%dir %{phoreus_root}/%{tool}',
    '%{phoreus_prefix}/',
    '%dir %{modulefile_dir}',
    '%{modulefile}',
    '',
    '%changelog',
    `* ${changelogDate(input.epoch)} phoreus-rpm <phoreus-rpm@localhost> - ${id.version}-${id.release}`,
    `- Built from requirements.lock by ${input.generator}`,
    '',
  ].join('\n');
}
