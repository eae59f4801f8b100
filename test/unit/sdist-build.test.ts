import { describe, expect, it } from 'vitest';
import { leftOut } from '../../src/rpm/app-wheel.js';
import { buildSystem, generatorOf, LEGACY_BACKEND, outsideTree, unpinnedRequires } from '../../src/rpm/sdist-backend.js';
import { failureLines, needsSystemTools } from '../../src/rpm/sdist-failure.js';

const H = `--hash=sha256:${'a'.repeat(64)}`;

describe('an sdist\'s build system (PEP 517, PEP 518)', () => {
  it('reads requires and backend, with PEP 517\'s defaults when the sdist declares none', () => {
    expect(buildSystem('[build-system]\nrequires = ["hatchling>=1.18", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n'))
      .toEqual({ requires: ['hatchling>=1.18', 'hatch-vcs'], backend: 'hatchling.build', backendPath: [] });
    expect(buildSystem(undefined)).toEqual({ requires: ['setuptools>=40.8.0'], backend: LEGACY_BACKEND, backendPath: [] });
    expect(buildSystem('[tool.black]\nline-length = 99\n')).toEqual({ requires: ['setuptools>=40.8.0'], backend: LEGACY_BACKEND, backendPath: [] });
    expect(buildSystem('[build-system]\nrequires = ["setuptools"]\n')).toEqual({ requires: ['setuptools'], backend: LEGACY_BACKEND, backendPath: [] });
    expect(buildSystem('not = [valid')).toEqual({ requires: ['setuptools>=40.8.0'], backend: LEGACY_BACKEND, backendPath: [] });
    // A backend name that is not a dotted module path never reaches a message unchecked.
    expect(buildSystem('[build-system]\nrequires = []\nbuild-backend = "x; rm -rf /"\n').backend).toBe(LEGACY_BACKEND);
  });

  it('reads backend-path, and tells an entry that leaves the source tree', () => {
    const system = buildSystem('[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_build", "."]\n');
    expect(system).toEqual({ requires: [], backend: 'backend', backendPath: ['_build', '.'] });
    expect(outsideTree(system.backendPath)).toBeUndefined();
    expect(outsideTree(['tools/../_build'])).toBeUndefined();
    for (const entry of ['..', '../elsewhere', '/usr/lib/python3', 'a/../../b', '', 'a\0b']) expect(outsideTree(['.', entry]), entry).toBe(entry);
  });

  it('names the build requirements a lock does not pin for the target', () => {
    const lock = `setuptools==75.1.0 \\\n    ${H}\nwheel==0.44.0 ; python_version < "3.11" \\\n    ${H}\n`;
    expect(unpinnedRequires(['setuptools>=61', 'Wheel'], lock, '3.10', 'x86_64')).toEqual([]);
    expect(unpinnedRequires(['setuptools>=61', 'Wheel'], lock, '3.11', 'x86_64')).toEqual(['wheel']);
    expect(unpinnedRequires(['hatchling'], '', '3.11', 'x86_64')).toEqual(['hatchling']);
  });

  it('takes the backend and its version from the built wheel\'s Generator line', () => {
    expect(generatorOf('Wheel-Version: 1.0\nGenerator: setuptools (75.1.0)\nRoot-Is-Purelib: true\n')).toBe('setuptools 75.1.0');
    expect(generatorOf('Generator: hatchling 1.25.0\n')).toBe('hatchling 1.25.0');
    expect(generatorOf('Generator: bdist_wheel (0.44.0)\n')).toBe('bdist_wheel 0.44.0');
    expect(generatorOf('Generator: flit\n')).toBe('flit');
    expect(generatorOf('Wheel-Version: 1.0\n')).toBeUndefined();
    expect(generatorOf('Generator: $(reboot) now please\n')).toBeUndefined();
  });
});

describe('why an sdist did not build', () => {
  const PIP_23 = [
    '  error: subprocess-exited-with-error',
    '  ',
    '  × Building wheel for docopt (pyproject.toml) did not run successfully.',
    '  │ exit code: 1',
    '  ╰─> [5 lines of output]',
    '      running bdist_wheel',
    '      running build',
    "      error: invalid command 'bdist_wheel'",
    '      [end of output]',
    '  ',
    '  note: This error originates from a subprocess, and is likely not a problem with pip.',
    '  ERROR: Failed building wheel for docopt',
    'Failed to build docopt',
    'ERROR: Could not build wheels for docopt, which is required to install pyproject.toml-based projects',
  ].join('\n');

  it('quotes the backend\'s own error lines, not pip\'s framing', () => {
    expect(failureLines(PIP_23)).toEqual(["error: invalid command 'bdist_wheel'"]);
    expect(needsSystemTools(PIP_23)).toBe(false);
  });

  it('keeps the last few distinct reasons, each short', () => {
    const lines = failureLines(['error: a', 'error: b', 'error: b', 'ModuleNotFoundError: No module named \'numpy\'', `error: ${'x'.repeat(400)}`].join('\n'));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('error: b');
    expect(lines[1]).toBe("ModuleNotFoundError: No module named 'numpy'");
    expect(lines[2]?.length).toBeLessThanOrEqual(240);
  });

  it('tells a missing compiler, header, library or build tool from a failure of the package itself', () => {
    for (const output of [
      "error: command 'gcc' failed: No such file or directory",
      "error: command '/usr/bin/x86_64-linux-gnu-gcc' failed with exit code 1",
      'src/pysam/htslib.c:1:10: fatal error: zlib.h: No such file or directory',
      '/usr/bin/ld: cannot find -lhts: No such file or directory',
      "Package 'hdf5' was not found in the pkg-config search path",
      'ERROR: Unknown compiler(s): [[\'gfortran\']]',
      "error: can't find Rust compiler",
    ]) expect(needsSystemTools(output), output).toBe(true);
    for (const output of ["error: invalid command 'bdist_wheel'", "ModuleNotFoundError: No module named 'setuptools_scm'", 'error: package directory \'src\' does not exist']) {
      expect(needsSystemTools(output), output).toBe(false);
    }
  });
});

describe('the copy of the project the application wheel is built from', () => {
  it('leaves out build, dist and environments only at the top, caches and version control anywhere', () => {
    for (const path of ['build', 'dist', 'venv', '.venv', 'node_modules', '.tox', '.git', 'mypkg/__pycache__', 'src/.git', 'src/mypkg.egg-info', 'a/b/.mypy_cache']) {
      expect(leftOut(path), path).toBe(true);
    }
    for (const path of ['', 'mypkg', 'mypkg/build', 'mypkg/dist', 'src/mypkg/build/__init__.py', 'src/venv', 'docs/build', 'pyproject.toml']) {
      expect(leftOut(path), path).toBe(false);
    }
  });
});
