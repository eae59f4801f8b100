import { describe, expect, it } from 'vitest';
import { evaluateMarker, targetEnvironment } from '../../src/requirements/markers.js';

const py311 = targetEnvironment('3.11');
const py310 = targetEnvironment('3.10');

describe('targetEnvironment', () => {
  it('describes CPython X.Y on Linux x86_64 by default', () => {
    expect(targetEnvironment('3.12')).toEqual({
      python_version: '3.12',
      python_full_version: '3.12.0',
      os_name: 'posix',
      sys_platform: 'linux',
      platform_system: 'Linux',
      platform_machine: 'x86_64',
      platform_python_implementation: 'CPython',
      implementation_name: 'cpython',
      implementation_version: '3.12.0',
      platform_release: '',
      platform_version: '',
      extra: '',
    });
  });

  it('takes the architecture', () => {
    expect(targetEnvironment('3.11', 'aarch64').platform_machine).toBe('aarch64');
  });
});

describe('evaluateMarker: version comparisons', () => {
  it.each([
    ['python_version < "3.11"', '3.9', true],
    ['python_version < "3.11"', '3.11', false],
    ['python_version >= "3.10"', '3.9', false],
    ['python_version >= "3.10"', '3.10', true],
    ['python_version > "3.9"', '3.10', true],
    ['python_version > "3.9"', '3.9', false],
    ['python_version <= "3.9"', '3.10', false],
    ['python_version == "3.11"', '3.11', true],
    ['python_version != "3.11"', '3.11', false],
    ['python_version ~= "3.9"', '3.11', true],
    ['python_version ~= "3.9"', '4.0', false],
    ['python_full_version >= "3.11.0"', '3.11', true],
    ['python_full_version < "3.10.2"', '3.10', true],
    ['python_full_version == "3.11"', '3.11', true],
    ['implementation_version >= "3.11"', '3.11', true],
  ])('%s on Python %s is %s', (marker, python, expected) => {
    expect(evaluateMarker(marker, targetEnvironment(python))).toBe(expected);
  });

  it('compares "3.10" with "3.9" as versions, not strings', () => {
    expect(evaluateMarker('python_version > "3.9"', py310)).toBe(true);
    expect(evaluateMarker('python_version < "3.9"', py310)).toBe(false);
  });

  it('compares as versions when the variable is on the right', () => {
    expect(evaluateMarker('"3.9" < python_version', py310)).toBe(true);
    expect(evaluateMarker('"3.12" <= python_version', py311)).toBe(false);
  });

  it('compares === as exact text', () => {
    expect(evaluateMarker('python_version === "3.11"', py311)).toBe(true);
    expect(evaluateMarker('python_full_version === "3.11"', py311)).toBe(false);
  });

  it('falls back to string comparison when a side is not a version', () => {
    expect(evaluateMarker('python_version == "three"', py311)).toBe(false);
    expect(evaluateMarker('python_version != "three"', py311)).toBe(true);
    expect(evaluateMarker('python_version < "a"', py311)).toBe(true);
  });

  it('treats a wildcard version as a PEP 440 prefix match', () => {
    expect(evaluateMarker('python_version == "3.*"', py311)).toBe(true);
    expect(evaluateMarker('python_full_version != "3.11.*"', py311)).toBe(false);
  });
});

describe('evaluateMarker: string comparisons', () => {
  it.each([
    ['sys_platform == "linux"', true],
    ['sys_platform == "win32"', false],
    ['sys_platform != "darwin"', true],
    ['sys_platform < "win32"', true],
    ['sys_platform > "darwin"', true],
    ['sys_platform >= "linux"', true],
    ['sys_platform <= "linux"', true],
    ['sys_platform ~= "linux"', false],
    ['sys_platform === "linux"', true],
    ['os_name == "posix"', true],
    ['platform_system == "Linux"', true],
    ['platform_system == "linux"', false],
    ['platform_machine == "x86_64"', true],
    ['platform_python_implementation == "CPython"', true],
    ['implementation_name == "cpython"', true],
    ['platform_release == ""', true],
    ['platform_version == ""', true],
    ['"linux" == sys_platform', true],
    ["sys_platform == 'linux'", true],
    ['"a" == "a"', true],
    ['"a" != "a"', false],
  ])('%s is %s', (marker, expected) => {
    expect(evaluateMarker(marker, py311)).toBe(expected);
  });

  it('compares machine names of another architecture', () => {
    const arm = targetEnvironment('3.11', 'aarch64');
    expect(evaluateMarker('platform_machine == "aarch64"', arm)).toBe(true);
    expect(evaluateMarker('platform_machine == "x86_64"', arm)).toBe(false);
  });

  it('reads extra from the environment', () => {
    expect(evaluateMarker('extra == "test"', py311)).toBe(false);
    expect(evaluateMarker('extra == "test"', { ...py311, extra: 'test' })).toBe(true);
  });
});

describe('evaluateMarker: in and not in', () => {
  it.each([
    ['sys_platform in "linux darwin"', true],
    ['sys_platform in "win32 cygwin"', false],
    ['sys_platform not in "win32 cygwin"', true],
    ['sys_platform not in "linux"', false],
    ['"lin" in sys_platform', true],
    ['"x86" in platform_machine', true],
    ['platform_machine not in "aarch64 ppc64le s390x"', true],
    ['python_version in "3.10 3.11 3.12"', true],
    ['python_version not in "3.8 3.9"', true],
    ['sys_platform not   in "win32"', true],
  ])('%s is %s', (marker, expected) => {
    expect(evaluateMarker(marker, py311)).toBe(expected);
  });
});

describe('evaluateMarker: legacy variable names', () => {
  it.each([
    ['os.name == "posix"', true],
    ['sys.platform == "linux"', true],
    ['platform.machine == "x86_64"', true],
    ['platform.python_implementation == "CPython"', true],
    ['platform.version == ""', true],
  ])('%s is %s', (marker, expected) => {
    expect(evaluateMarker(marker, py311)).toBe(expected);
  });

  it('reads python_implementation as platform_python_implementation', () => {
    expect(evaluateMarker('python_implementation == "CPython"', py311)).toBe(true);
  });
});

describe('evaluateMarker: and, or and parentheses', () => {
  it.each([
    ['sys_platform == "linux" and python_version >= "3.8"', true],
    ['sys_platform == "linux" and python_version < "3.8"', false],
    ['sys_platform == "win32" or python_version >= "3.8"', true],
    ['sys_platform == "win32" or python_version < "3.8"', false],
    ['os_name == "nt" and sys_platform == "win32" or python_version >= "3.11"', true],
    ['(os_name == "nt" and sys_platform == "win32") or python_version >= "3.11"', true],
    ['os_name == "nt" and (sys_platform == "win32" or python_version >= "3.11")', false],
    ['((sys_platform == "linux"))', true],
    ['sys_platform == "linux" and (python_version < "3.9" or (platform_machine == "x86_64" and os_name == "posix"))', true],
    ['python_version>="3.8"and sys_platform=="linux"', true],
    ['sys_platform == "a" or sys_platform == "b" or sys_platform == "linux"', true],
    ['sys_platform == "linux" and os_name == "posix" and extra == "x"', false],
  ])('%s is %s', (marker, expected) => {
    expect(evaluateMarker(marker, py311)).toBe(expected);
  });

  it('binds "and" tighter than "or"', () => {
    expect(evaluateMarker('sys_platform == "linux" or sys_platform == "win32" and python_version < "3"', py311)).toBe(true);
    expect(evaluateMarker('(sys_platform == "linux" or sys_platform == "win32") and python_version < "3"', py311)).toBe(false);
  });

  it('accepts tabs and other white space between tokens', () => {
    expect(evaluateMarker('\tsys_platform\t==\n"linux"  and\tos_name == "posix" ', py311)).toBe(true);
  });
});

describe('evaluateMarker: malformed markers', () => {
  it.each([
    ['foo == "bar"', 'unknown marker variable "foo"'],
    ['python_versions > "3"', 'unknown marker variable "python_versions"'],
    ['os.names == "posix"', 'unknown marker variable "os.names"'],
    ['python_version not "3"', 'unknown marker variable "not"'],
    ['sys_platform == "linux', 'unterminated string in marker'],
    ["sys_platform == 'linux\"", 'unterminated string in marker'],
    ['sys_platform = "linux"', 'unexpected "=" in marker'],
    ['sys_platform == "linux" & os_name == "posix"', 'unexpected "&" in marker'],
    ['', 'marker ends too early'],
    ['   ', 'marker ends too early'],
    ['sys_platform ==', 'marker ends too early'],
    ['sys_platform == "linux" and', 'marker ends too early'],
    ['sys_platform', 'expected a comparison in marker'],
    ['sys_platform "linux"', 'expected a comparison in marker'],
    ['== "linux"', 'expected a value in marker, found "=="'],
    ['sys_platform == == "linux"', 'expected a value in marker, found "=="'],
    ['sys_platform == (', 'expected a value in marker, found "("'],
    ['(sys_platform == "linux"', 'unclosed "(" in marker'],
    ['sys_platform == "linux")', 'unexpected ")" in marker'],
    ['sys_platform == "linux" os_name == "posix"', 'unexpected "os_name" in marker'],
    ['sys_platform == "linux" and or os_name == "posix"', 'expected a value in marker, found "or"'],
  ])('rejects %j with %j', (marker, message) => {
    expect(() => evaluateMarker(marker, py311)).toThrow(new Error(message));
  });

  it('reports an unknown variable even where the result is already decided', () => {
    expect(() => evaluateMarker('sys_platform == "win32" and foo == "x"', py311)).toThrow('unknown marker variable "foo"');
    expect(() => evaluateMarker('sys_platform == "linux" or "x"', py311)).toThrow('expected a comparison in marker');
  });
});
