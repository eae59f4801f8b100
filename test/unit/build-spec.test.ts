/**
 * The RPM spec (charter §3, §7, §8, §11): package naming, the two runtime requires, the
 * hermetic-venv macros, the offline %build, the meta default package, %files, %changelog,
 * and the escaping of free text so a summary cannot expand a macro or add a tag.
 */
import { describe, expect, it } from 'vitest';
import type { PackageIdentity } from '../../src/core/layout.js';
import { renderSpec, SOURCES, specText, type SpecInput } from '../../src/rpm/spec.js';
import { distro } from '../../src/plan/distros.js';

const ID: PackageIdentity = {
  tool: 'hello-tool',
  version: '1.2.0',
  release: '3',
  interpreter: '3.11',
  interpreterHome: '/usr/local/phoreus/python/3.11',
  interpreterModule: 'phoreus-python-3.11',
};

const PIP_WHEEL = 'pip-24.2-py3-none-any.whl';
const APP = { wheel: 'hello_tool-1.2.0-py3-none-any.whl', name: 'hello-tool', version: '1.2.0' };

function input(overrides: Partial<SpecInput> = {}): SpecInput {
  return {
    id: ID,
    arch: 'x86_64',
    distro: distro('el9'),
    summary: 'Says hello',
    license: 'MIT',
    url: 'https://example.org/hello-tool',
    description: ['First paragraph.', 'Second paragraph.'],
    pipWheel: PIP_WHEEL,
    installLock: false,
    copyFiles: false,
    app: APP,
    meta: false,
    epoch: 1_700_000_000,
    generator: 'phoreus-rpm 0.1.0',
    ...overrides,
  };
}

const lines = (spec: string): string[] => spec.split('\n');

/** Section headers of the specs rendered here. */
const isHeader = (line: string): boolean =>
  ['%prep', '%build', '%install', '%files', '%changelog', '%description'].includes(line) ||
  /^%(package|description|files) -n /.test(line);

/** Body of one section (its header line excluded), blank lines dropped. */
function section(spec: string, header: string): string[] {
  const all = lines(spec);
  const start = all.indexOf(header);
  if (start < 0) throw new Error(`no section ${header}`);
  const body: string[] = [];
  for (const line of all.slice(start + 1)) {
    if (isHeader(line)) break;
    if (line !== '') body.push(line);
  }
  return body;
}

/** The main package's preamble: everything before the first section header. */
function preamble(spec: string): string[] {
  const all = lines(spec);
  return all.slice(0, all.findIndex(isHeader));
}

/** Value of the first `Tag: value` line of the given lines. */
function tag(from: string[], name: string): string | undefined {
  const line = from.find((l) => l.startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

/** Every `%global name value` of the spec, and a tiny %{name} expander over them. */
function macros(spec: string): { globals: Map<string, string>; expand: (text: string) => string } {
  const globals = new Map<string, string>();
  for (const line of lines(spec)) {
    const m = /^%global (\w+) (.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) globals.set(m[1], m[2]);
  }
  const expand = (text: string): string => {
    let out = text;
    for (let i = 0; i < 10; i++) out = out.replace(/%\{(\w+)\}/g, (whole, name: string) => globals.get(name) ?? whole);
    return out;
  };
  return { globals, expand };
}

describe('renderSpec: identity', () => {
  it('names the package phoreus-%{tool}-%{tool_version}, with globals giving the tool and version', () => {
    const spec = renderSpec(input());
    const { globals, expand } = macros(spec);
    expect(lines(spec)).toContain('Name:           phoreus-%{tool}-%{tool_version}');
    expect(globals.get('tool')).toBe('hello-tool');
    expect(globals.get('tool_version')).toBe('1.2.0');
    expect(expand(tag(preamble(spec), 'Name') ?? '')).toBe('phoreus-hello-tool-1.2.0');
    expect(expand(tag(preamble(spec), 'Version') ?? '')).toBe('1.2.0');
  });

  it('sets Release to the release followed by %{?dist}', () => {
    expect(lines(renderSpec(input()))).toContain('Release:        3%{?dist}');
    expect(lines(renderSpec(input({ id: { ...ID, release: '12' } })))).toContain('Release:        12%{?dist}');
  });

  it('places the venv inside the Phoreus prefix of the tool version', () => {
    const { globals, expand } = macros(renderSpec(input()));
    expect(globals.get('phoreus_root')).toBe('/usr/local/phoreus');
    expect(globals.get('phoreus_prefix')).toBe('/usr/local/phoreus/hello-tool/1.2.0');
    expect(globals.get('venv')).toBe('/usr/local/phoreus/hello-tool/1.2.0/venv');
    expect(globals.get('pyver')).toBe('3.11');
    expect(globals.get('python_home')).toBe('/usr/local/phoreus/python/3.11');
    expect(expand('%{modulefile}')).toBe('/usr/local/phoreus/modulefiles/hello-tool/1.2.0.lua');
  });

  it('defaults the build interpreter to the target one, overridable by the builder', () => {
    expect(lines(renderSpec(input()))).toContain(
      '%{!?phoreus_build_python:%global phoreus_build_python /usr/local/phoreus/python/3.11/bin/python3.11}',
    );
  });

  it('opens with a comment naming the generator, package, distro and arch', () => {
    const first = lines(renderSpec(input({ arch: 'aarch64', distro: distro('el8') })))[0];
    expect(first).toBe('# Generated by phoreus-rpm 0.1.0: the spec of phoreus-hello-tool-1.2.0 for el8/aarch64.');
  });
});

describe('renderSpec: dependencies', () => {
  it('requires only phoreus and the interpreter module, and build-requires only the interpreter module', () => {
    const spec = renderSpec(input());
    const requires = lines(spec).filter((l) => /^Requires\s*:/.test(l));
    const buildRequires = lines(spec).filter((l) => /^BuildRequires\s*:/.test(l));
    expect(requires.map((l) => l.split(':')[1]?.trim())).toEqual(['phoreus', 'phoreus-python-3.11']);
    expect(buildRequires.map((l) => l.split(':')[1]?.trim())).toEqual(['phoreus-python-3.11']);
    expect(spec).not.toMatch(/^(Requires|BuildRequires)\(/m);
  });

  it('takes the interpreter module from the identity', () => {
    const spec = renderSpec(input({ id: { ...ID, interpreter: '3.12', interpreterModule: 'phoreus-python-3.12' } }));
    expect(preamble(spec).filter((l) => l.startsWith('Requires:'))).toEqual(['Requires:       phoreus', 'Requires:       phoreus-python-3.12']);
    expect(preamble(spec).filter((l) => l.startsWith('BuildRequires:'))).toEqual(['BuildRequires:  phoreus-python-3.12']);
  });

  it('turns off automatic requires and provides', () => {
    expect(lines(renderSpec(input()))).toContain('AutoReqProv:    no');
  });
});

describe('renderSpec: hermetic venv macros', () => {
  it('disables build-id links, debuginfo, the install post-processing and shebang mangling', () => {
    const { globals } = macros(renderSpec(input()));
    expect(globals.get('_build_id_links')).toBe('none');
    expect(globals.get('debug_package')).toBe('%{nil}');
    expect(globals.get('__os_install_post')).toBe('%{nil}');
    expect(globals.get('__brp_mangle_shebangs')).toBe('%{nil}');
    expect(globals.get('__brp_python_bytecompile')).toBe('%{nil}');
    expect(globals.get('__brp_strip')).toBe('%{nil}');
  });

  it('is ExclusiveArch to the target arch and never noarch', () => {
    for (const arch of ['x86_64', 'aarch64'] as const) {
      const spec = renderSpec(input({ arch }));
      expect(preamble(spec).filter((l) => l.startsWith('ExclusiveArch:'))).toEqual([`ExclusiveArch:  ${arch}`]);
      expect(spec).not.toMatch(/BuildArch/);
      expect(spec).not.toMatch(/noarch/);
    }
  });

  it('takes the payload compression from the distro', () => {
    expect(macros(renderSpec(input({ distro: distro('el8') }))).globals.get('_binary_payload')).toBe('w2.xzdio');
    expect(macros(renderSpec(input({ distro: distro('el9') }))).globals.get('_binary_payload')).toBe('w3T0.zstdio');
    expect(macros(renderSpec(input({ distro: distro('fedora-40') }))).globals.get('_source_payload')).toBe('w3T0.zstdio');
  });

  it('makes packages reproducible from the epoch the spec carries', () => {
    expect(lines(renderSpec(input({ epoch: 1700000000 })))).toContain('%{lua: posix.setenv("SOURCE_DATE_EPOCH", "1700000000")}');
    // rpm clamps file times only to a positive epoch.
    expect(lines(renderSpec(input({ epoch: 0 })))).toContain('%{lua: posix.setenv("SOURCE_DATE_EPOCH", "1")}');
    expect(() => renderSpec(input({ epoch: 1.5 }))).toThrow(/epoch/);
    const { globals } = macros(renderSpec(input()));
    expect(globals.get('use_source_date_epoch_as_buildtime')).toBe('1');
    expect(globals.get('clamp_mtime_to_source_date_epoch')).toBe('1');
  });

  it('names sources, the buildroot and the build interpreter only through shell variables, so the SRPM header names no build directory', () => {
    const spec = renderSpec(input({ meta: true, copyFiles: true, installLock: true }));
    // The default interpreter is the one macro left, and only as the fallback of the variable.
    const scripts = ['%prep', '%build', '%install'].flatMap((name) => section(spec, name)).filter((l) => !l.startsWith('build_python='));
    expect(scripts.join('\n')).not.toMatch(/%\{(SOURCE\d+|buildroot|_sourcedir|_builddir|_topdir|phoreus_build_python)\}|%setup/);
    expect(section(spec, '%build')).toContain('build_python="${PHOREUS_BUILD_PYTHON:-%{phoreus_build_python}}"');
    expect(section(spec, '%install')).toContain('install -m 0644 "$RPM_SOURCE_DIR"/requirements.lock "$RPM_BUILD_ROOT"%{phoreus_prefix}/requirements.lock');
  });
});

describe('renderSpec: sources', () => {
  const sources = (spec: string): string[] => lines(spec).filter((l) => /^Source\d+:/.test(l)).map((l) => l.replace(/\s+/g, ' '));

  it('ships the lock, wheelhouse, relocation script, modulefile and configuration always', () => {
    expect(sources(renderSpec(input({ pipWheel: undefined, app: undefined, meta: false })))).toEqual([
      `Source0: ${SOURCES.lock}`,
      `Source1: ${SOURCES.wheelhouse}`,
      `Source2: ${SOURCES.relocate}`,
      `Source3: ${SOURCES.modulefile}`,
      `Source4: ${SOURCES.config}`,
    ]);
  });

  it('ships the CycloneDX SBOM as Source10, installed beside the lock', () => {
    const spec = renderSpec(input({ sbom: true }));
    expect(sources(spec)).toContain(`Source10: ${SOURCES.sbom}`);
    expect(section(spec, '%install')).toContain('install -m 0644 "$RPM_SOURCE_DIR"/sbom.cdx.json "$RPM_BUILD_ROOT"%{phoreus_prefix}/sbom.cdx.json');
    expect(renderSpec(input())).not.toContain('Source10');
  });

  it('adds the module default, the application wheel and the install lock when they apply', () => {
    expect(sources(renderSpec(input({ meta: true })))).toEqual([
      'Source0: requirements.lock',
      'Source1: wheelhouse.tar',
      'Source2: relocate.py',
      'Source3: modulefile.lua',
      'Source4: phoreus-config.json',
      'Source6: modulerc.lua',
      `Source7: ${APP.wheel}`,
      `Source8: ${SOURCES.installLock}`,
    ]);
  });
});

describe('renderSpec: %build', () => {
  const LOCK_RUN = 'venv/bin/python pip-run/pip install --no-index --find-links wheelhouse --require-hashes --no-compile --ignore-installed -r';

  it('creates the venv without pip, unpacks the pip that runs, then installs the lock, pip and the application in one run, then runs pip check', () => {
    const build = section(renderSpec(input({ pipWheel: PIP_WHEEL })), '%build');
    const at = (re: RegExp): number => {
      const i = build.findIndex((l) => re.test(l));
      expect(i, `no %build line matches ${re}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const venv = at(/^"\$build_python" -m venv --without-pip venv$/);
    const unpack = at(/^"\$build_python" -m zipfile -e "\$pip_wheel" pip-run$/);
    const app = at(/^cp "\$RPM_SOURCE_DIR"\/\S+\.whl wheelhouse\/$/);
    const lock = at(/ -r "\$RPM_SOURCE_DIR"\/install\.lock$/);
    const check = at(/ check$/);
    expect(venv).toBeLessThan(unpack);
    expect(unpack).toBeLessThan(app);
    expect(app).toBeLessThan(lock);
    expect(lock).toBeLessThan(check);
    expect(check).toBe(build.length - 1);
    expect(build[lock]).toBe(`${LOCK_RUN} "$RPM_SOURCE_DIR"/install.lock`);
  });

  it('runs pip check with the site hooks off, so no .pth file of a locked wheel runs on the build host', () => {
    const build = section(renderSpec(input()), '%build');
    const check = build[build.length - 1] ?? '';
    expect(check).toMatch(/^venv\/bin\/python -I -S -X pycache_prefix="\$PWD\/pycache" -c '/);
    expect(check).toContain('from pip._internal.cli.main import main');
    expect(check).toMatch(/' pip-run venv\/lib\/python%\{pyver\}\/site-packages check$/);
  });

  it('keeps pip away from any configuration, index or cache of the build machine, and bytecode out of the venv', () => {
    const build = section(renderSpec(input()), '%build');
    expect(build).toContain('export PIP_CONFIG_FILE=/dev/null PIP_NO_INPUT=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONPYCACHEPREFIX="$PWD/pycache"');
    // Every install is offline: no line installs from an index.
    const installs = build.filter((l) => !l.startsWith('#') && / install /.test(l));
    expect(installs).toHaveLength(1);
    for (const line of installs) expect(line).toContain('--no-index');
    expect(build.join('\n')).not.toMatch(/--upgrade|source venv\/bin\/activate/);
  });

  it('with pip pinned, runs the locked pip from its wheel, which installs itself with the rest', () => {
    const spec = renderSpec(input({ pipWheel: PIP_WHEEL }));
    const build = section(spec, '%build');
    expect(build).toContain(`pip_wheel=wheelhouse/${PIP_WHEEL}`);
    expect(spec).not.toContain('ensurepip');
  });

  it('with pip unpinned, runs the pip bundled with the interpreter (ensurepip)', () => {
    const spec = renderSpec(input({ pipWheel: undefined }));
    const build = section(spec, '%build');
    const bundled = build.find((l) => l.startsWith('pip_wheel='));
    expect(bundled).toBeDefined();
    expect(bundled).toContain('"$build_python" -c');
    expect(bundled).toContain('import ensurepip');
    expect(bundled).toContain('"_bundled", "pip-*.whl"');
    expect(bundled).toMatch(/\)"$/);
    expect(spec).not.toContain('Source5');
    expect(build).toContain(`${LOCK_RUN} "$RPM_SOURCE_DIR"/install.lock`);
  });

  it('without an application (a lock of a third-party tool), installs no app and ships no Source7', () => {
    const spec = renderSpec(input({ app: undefined }));
    const build = section(spec, '%build');
    expect(spec).not.toContain('Source7');
    expect(build.some((l) => l.includes('wheelhouse/') && l.startsWith('cp '))).toBe(false);
    expect(build.some((l) => l.includes('--no-deps'))).toBe(false);
    expect(build).toContain(`${LOCK_RUN} requirements.lock`);
    expect(build[build.length - 1]).toMatch(/ check$/);
  });

  it('with an install lock (wheels built from sdists), installs from Source8 instead of requirements.lock', () => {
    const spec = renderSpec(input({ installLock: true, app: undefined }));
    const build = section(spec, '%build');
    expect(lines(spec).filter((l) => l.startsWith('Source8:')).map((l) => l.replace(/\s+/g, ' '))).toEqual([`Source8: ${SOURCES.installLock}`]);
    expect(build).toContain(`${LOCK_RUN} "$RPM_SOURCE_DIR"/install.lock`);
    expect(build.some((l) => l.endsWith('-r requirements.lock'))).toBe(false);
    // The shipped lock stays the one the project wrote.
    expect(section(spec, '%install')).toContain('install -m 0644 "$RPM_SOURCE_DIR"/requirements.lock "$RPM_BUILD_ROOT"%{phoreus_prefix}/requirements.lock');
    expect(renderSpec(input({ installLock: false, app: undefined }))).not.toMatch(/Source8|install\.lock/);
  });

  it('installs the application from its own wheel, pinned in the install lock', () => {
    const spec = renderSpec(input({ app: { wheel: 'My_App-2.0-py3-none-any.whl', name: 'my-app', version: '2.0' } }));
    expect(lines(spec)).toContain('Source7:        My_App-2.0-py3-none-any.whl');
    expect(section(spec, '%build')).toContain('cp "$RPM_SOURCE_DIR"/My_App-2.0-py3-none-any.whl wheelhouse/');
    expect(lines(spec).some((l) => /^Source8:/.test(l))).toBe(true);
  });
});

describe('renderSpec: %install', () => {
  it('moves the venv into the prefix, relocates it, compiles bytecode and installs the modulefile', () => {
    const install = section(renderSpec(input()), '%install');
    expect(install).toContain('mkdir -p "$RPM_BUILD_ROOT"%{phoreus_prefix}');
    expect(install).toContain('mv venv "$RPM_BUILD_ROOT"%{venv}');
    expect(install).toContain('"$build_python" "$RPM_SOURCE_DIR"/relocate.py "$RPM_BUILD_ROOT"%{venv} "$PWD/venv" %{venv} %{python_home} %{pyver}');
    expect(install).toContain('"$build_python" "$RPM_SOURCE_DIR"/relocate.py --bytecode "$RPM_BUILD_ROOT" "$RPM_BUILD_ROOT"%{venv}');
    expect(install).toContain('install -D -m 0644 "$RPM_SOURCE_DIR"/modulefile.lua "$RPM_BUILD_ROOT"%{modulefile}');
    expect(install).toContain('install -m 0644 "$RPM_SOURCE_DIR"/requirements.lock "$RPM_BUILD_ROOT"%{phoreus_prefix}/requirements.lock');
  });
});

describe('renderSpec: meta default package', () => {
  it('with meta, declares phoreus-<tool> requiring this exact version and owning .modulerc.lua', () => {
    const spec = renderSpec(input({ meta: true }));
    const all = lines(spec);
    expect(all).toContain('%package -n phoreus-hello-tool');
    const pkg = section(spec, '%package -n phoreus-hello-tool');
    expect(pkg).toContain('Requires:       phoreus-hello-tool-1.2.0 = %{version}-%{release}');
    expect(pkg.filter((l) => l.startsWith('Requires:'))).toHaveLength(1);
    expect(tag(pkg, 'Summary')).toBe('Default version of hello-tool: 1.2.0');
    expect(all).toContain('%description -n phoreus-hello-tool');
    expect(section(spec, '%files -n phoreus-hello-tool')).toEqual(['%{modulefile_dir}/.modulerc.lua']);
    expect(section(spec, '%install')).toContain('install -D -m 0644 "$RPM_SOURCE_DIR"/modulerc.lua "$RPM_BUILD_ROOT"%{modulefile_dir}/.modulerc.lua');
    // The main package keeps only its two requires.
    expect(preamble(spec).filter((l) => l.startsWith('Requires:'))).toEqual(['Requires:       phoreus', 'Requires:       phoreus-python-3.11']);
    // The main package does not own the default marker.
    expect(section(spec, '%files')).not.toContain('%{modulefile_dir}/.modulerc.lua');
  });

  it('without meta, has no subpackage, no Source6 and no .modulerc.lua', () => {
    const spec = renderSpec(input({ meta: false }));
    expect(spec).not.toContain('%package');
    expect(spec).not.toMatch(/-n phoreus-hello-tool\b/);
    expect(spec).not.toContain('modulerc');
    expect(spec).not.toContain('Source6');
    expect(lines(spec).filter((l) => l.startsWith('Requires:'))).toHaveLength(2);
  });
});

describe('renderSpec: %files', () => {
  it('lists only the tool directory, the version prefix, the modulefile directory and the modulefile', () => {
    const spec = renderSpec(input({ meta: true }));
    const files = section(spec, '%files');
    expect(files).toEqual(['%defattr(-,root,root,-)', '%dir %{phoreus_root}/%{tool}', '%{phoreus_prefix}/', '%dir %{modulefile_dir}', '%{modulefile}']);
    const { expand } = macros(spec);
    expect(files.map(expand)).toEqual([
      '%defattr(-,root,root,-)',
      '%dir /usr/local/phoreus/hello-tool',
      '/usr/local/phoreus/hello-tool/1.2.0/',
      '%dir /usr/local/phoreus/modulefiles/hello-tool',
      '/usr/local/phoreus/modulefiles/hello-tool/1.2.0.lua',
    ]);
  });
});

describe('renderSpec: %changelog', () => {
  it('dates the entry from the epoch, in UTC', () => {
    expect(section(renderSpec(input({ epoch: 1_700_000_000 })), '%changelog')).toEqual([
      '* Tue Nov 14 2023 phoreus-rpm <phoreus-rpm@localhost> - 1.2.0-3',
      '- Built from requirements.lock by phoreus-rpm 0.1.0',
    ]);
  });

  it('pads the day to two digits and uses UTC at day boundaries', () => {
    // 2023-11-01T00:00:00Z, a Wednesday; one second earlier is still Tuesday 31 October in UTC.
    expect(section(renderSpec(input({ epoch: 1_698_796_800 })), '%changelog')[0]).toMatch(/^\* Wed Nov 01 2023 /);
    expect(section(renderSpec(input({ epoch: 1_698_796_799 })), '%changelog')[0]).toMatch(/^\* Tue Oct 31 2023 /);
    expect(section(renderSpec(input({ epoch: 0 })), '%changelog')[0]).toMatch(/^\* Thu Jan 01 1970 /);
  });

  it('ends with a newline', () => {
    expect(renderSpec(input()).endsWith('\n')).toBe(true);
  });
});

describe('specText', () => {
  it('escapes % as %%', () => {
    expect(specText('100% offline')).toBe('100%% offline');
    expect(specText('%%')).toBe('%%%%');
  });

  it('folds newlines (LF, CRLF, CR) into spaces and trims', () => {
    expect(specText('one\ntwo\r\nthree\rfour')).toBe('one two three four');
    expect(specText('  padded\n')).toBe('padded');
    expect(specText('a\n\n\nb')).toBe('a b');
  });

  it('leaves plain text alone', () => {
    expect(specText('A tool: says hello (v1.2)')).toBe('A tool: says hello (v1.2)');
  });
});

describe('renderSpec: free text is inert', () => {
  /** Text with every %% pair removed has no % left: nothing rpm could expand. */
  const inert = (text: string): boolean => !text.replace(/%%/g, '').includes('%');

  it('renders a summary holding a macro or a shell expansion as literal text', () => {
    const spec = renderSpec(input({ summary: 'Installs to %{_bindir} and runs %(rm -rf /)' }));
    const summary = tag(preamble(spec), 'Summary') ?? '';
    expect(summary).toBe('Installs to %%{_bindir} and runs %%(rm -rf /)');
    expect(inert(summary)).toBe(true);
    expect(spec).not.toMatch(/(^|[^%])%\(rm/);
    expect(spec).not.toMatch(/(^|[^%])%\{_bindir\}/);
  });

  it('escapes the license, the URL and the description paragraphs', () => {
    const spec = renderSpec(input({
      license: 'MIT %{evil}',
      url: 'https://example.org/a%20b',
      description: ['Runs %(id) at build time', 'Uses %{?_smp_mflags}\n%files'],
    }));
    expect(tag(preamble(spec), 'License')).toBe('MIT %%{evil}');
    expect(tag(preamble(spec), 'URL')).toBe('https://example.org/a%%20b');
    expect(section(spec, '%description')).toEqual(['Runs %%(id) at build time', 'Uses %%{?_smp_mflags} %%files']);
  });

  it('cannot add a tag or a section through a newline in the summary', () => {
    const spec = renderSpec(input({ summary: 'Hello\nRequires: python3-numpy\n%post\nrm -rf /' }));
    expect(lines(spec).filter((l) => l.startsWith('Requires:'))).toEqual(['Requires:       phoreus', 'Requires:       phoreus-python-3.11']);
    expect(lines(spec)).not.toContain('%post');
    expect(tag(preamble(spec), 'Summary')).toBe('Hello Requires: python3-numpy %%post rm -rf /');
  });

  it('omits the URL tag when there is none', () => {
    expect(preamble(renderSpec(input({ url: undefined }))).some((l) => l.startsWith('URL:'))).toBe(false);
  });

  it('separates description paragraphs with a blank line', () => {
    const spec = renderSpec(input({ description: ['One.', 'Two.'] }));
    const all = lines(spec);
    const at = all.indexOf('%description');
    expect(all.slice(at + 1, at + 4)).toEqual(['One.', '', 'Two.']);
  });
});

describe('renderSpec: copyFiles', () => {
  it('extracts the copied files into the venv after relocation and before bytecode compilation', () => {
    const spec = renderSpec(input({ copyFiles: true }));
    expect(spec).toMatch(/^Source9: +copyfiles\.tar$/m);
    const relocate = spec.indexOf('relocate.py "$RPM_BUILD_ROOT"%{venv}');
    const extract = spec.indexOf('tar -xf "$RPM_SOURCE_DIR"/copyfiles.tar -C "$RPM_BUILD_ROOT"%{venv}');
    const compile = spec.indexOf('relocate.py --bytecode');
    expect(relocate).toBeGreaterThan(0);
    expect(extract).toBeGreaterThan(relocate);
    expect(compile).toBeGreaterThan(extract);
  });

  it('has no Source9 without copyFiles', () => {
    expect(renderSpec(input())).not.toMatch(/Source9|copyfiles/);
  });
});
