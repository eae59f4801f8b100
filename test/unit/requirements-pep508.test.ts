import { describe, expect, it } from 'vitest';
import {
  formatSpecifier,
  looksLikeLocation,
  normalizeName,
  parseRequirement,
  parseSpecifier,
  type Requirement,
  type SpecifierClause,
} from '../../src/requirements/pep508.js';
import { isValidVersion, satisfies } from '../../src/requirements/versions.js';

function ok(text: string): Requirement {
  const parsed = parseRequirement(text);
  if (!parsed.ok) throw new Error(`expected "${text}" to parse, got: ${parsed.error}`);
  return parsed.requirement;
}

function error(text: string): string {
  const parsed = parseRequirement(text);
  if (parsed.ok) throw new Error(`expected "${text}" to be rejected, got ${JSON.stringify(parsed.requirement)}`);
  return parsed.error;
}

function clauses(text: string): SpecifierClause[] {
  const parsed = parseSpecifier(text);
  if (typeof parsed === 'string') throw new Error(`expected "${text}" to parse, got: ${parsed}`);
  return parsed;
}

describe('normalizeName', () => {
  it.each([
    ['Foo.Bar_baz', 'foo-bar-baz'],
    ['requests', 'requests'],
    ['Django', 'django'],
    ['zope.interface', 'zope-interface'],
    ['typing_extensions', 'typing-extensions'],
    ['ruamel.yaml.clib', 'ruamel-yaml-clib'],
    ['a--b__c..d', 'a-b-c-d'],
    ['A-_.B', 'a-b'],
    ['Pillow', 'pillow'],
    ['pkg1', 'pkg1'],
  ])('normalizes %j to %j', (name, normalized) => {
    expect(normalizeName(name)).toBe(normalized);
  });

  it('is idempotent', () => {
    for (const name of ['Foo.Bar_baz', 'A-_.B', 'x']) {
      expect(normalizeName(normalizeName(name))).toBe(normalizeName(name));
    }
  });
});

describe('looksLikeLocation', () => {
  it.each([
    './dir',
    '.',
    '..',
    '../sibling',
    '/abs/path',
    '~/src/pkg',
    'file:///x.whl',
    'https://example.com/pkg.tar.gz',
    'git+https://github.com/org/repo.git#egg=repo',
    'pkg-1.0-py3-none-any.whl',
    'pkg-1.0.tar.gz',
    'pkg-1.0.zip',
    'pkg-1.0.tgz',
    'pkg-1.0.tar.bz2',
    'pkg-1.0.tar.xz',
    'PKG-1.0.WHL',
    'dir/sub',
  ])('takes %j for a location', (text) => {
    expect(looksLikeLocation(text)).toBe(true);
  });

  it.each([
    'requests',
    'requests==2.31.0',
    'pkg[a,b]>=1',
    'pkg @ git+https://github.com/org/pkg.git',
    'pkg>=1; sys_platform == "linux/x"',
    'pkg==1.0 ; python_version < "3.11"',
  ])('takes %j for a name', (text) => {
    expect(looksLikeLocation(text)).toBe(false);
  });
});

describe('parseRequirement: names, extras and specifiers', () => {
  it('reads a bare name', () => {
    expect(ok('requests')).toEqual({ name: 'requests', extras: [], specifier: [] });
  });

  it('keeps the name as written', () => {
    expect(ok('Foo.Bar_baz==1.0').name).toBe('Foo.Bar_baz');
  });

  it('reads a single-character name', () => {
    expect(ok('a==1')).toEqual({ name: 'a', extras: [], specifier: [{ operator: '==', version: '1' }] });
  });

  it('trims surrounding white space', () => {
    expect(ok('  six == 1.16.0  ')).toEqual({ name: 'six', extras: [], specifier: [{ operator: '==', version: '1.16.0' }] });
  });

  it('reads extras', () => {
    expect(ok('pkg[a,b]==1')).toEqual({ name: 'pkg', extras: ['a', 'b'], specifier: [{ operator: '==', version: '1' }] });
    expect(ok('pkg [ a , b-c ] >= 2')).toEqual({ name: 'pkg', extras: ['a', 'b-c'], specifier: [{ operator: '>=', version: '2' }] });
  });

  it('skips empty extras', () => {
    expect(ok('pkg[]==1').extras).toEqual([]);
    expect(ok('pkg[a,,b,]').extras).toEqual(['a', 'b']);
  });

  it('rejects an unclosed extras list', () => {
    expect(error('pkg[a,b==1')).toBe('unclosed "[" in the extras of pkg');
  });

  it('rejects an invalid extra', () => {
    expect(error('pkg[a!]==1')).toBe('invalid extra "a!" of pkg');
    expect(error('pkg[-a]')).toBe('invalid extra "-a" of pkg');
    expect(error('pkg[a b]')).toBe('invalid extra "a b" of pkg');
  });

  it('reads several clauses', () => {
    expect(ok('pkg>=1.0,<2,!=1.5.*').specifier).toEqual([
      { operator: '>=', version: '1.0' },
      { operator: '<', version: '2' },
      { operator: '!=', version: '1.5.*' },
    ]);
  });

  it('reads a specifier in parentheses', () => {
    expect(ok('pkg (>=1.0, <2)').specifier).toEqual([
      { operator: '>=', version: '1.0' },
      { operator: '<', version: '2' },
    ]);
    expect(ok('pkg[x](==1)')).toEqual({ name: 'pkg', extras: ['x'], specifier: [{ operator: '==', version: '1' }] });
  });

  it('reads ===, ~= and wildcard versions', () => {
    expect(ok('pkg===1.0+weird').specifier).toEqual([{ operator: '===', version: '1.0+weird' }]);
    expect(ok('pkg~=1.4.2').specifier).toEqual([{ operator: '~=', version: '1.4.2' }]);
    expect(ok('pkg==1.*').specifier).toEqual([{ operator: '==', version: '1.*' }]);
  });

  it('reads epochs, local versions and pre-releases', () => {
    expect(ok('pkg==1!2.0.0rc1.post2.dev3+local.7').specifier).toEqual([{ operator: '==', version: '1!2.0.0rc1.post2.dev3+local.7' }]);
  });

  it('rejects text that does not start with a name', () => {
    expect(error('==1.0')).toBe('"==1.0" does not start with a package name');
    expect(error('-e foo')).toBe('"-e foo" does not start with a package name');
    expect(error('[x]')).toBe('"[x]" does not start with a package name');
  });

  it('rejects an empty requirement', () => {
    expect(error('')).toBe('empty requirement');
    expect(error(' \t ')).toBe('empty requirement');
  });

  it('rejects words after the name that are not specifiers', () => {
    expect(error('foo bar')).toBe('"bar" is not a version specifier (expected ==, >=, ~= …) in the requirement on foo');
    expect(error('foo=1.0')).toBe('"=1.0" is not a version specifier (expected ==, >=, ~= …) in the requirement on foo');
  });

  it('rejects invalid versions', () => {
    expect(error('foo==1.0 beta')).toBe('"==1.0 beta" has no valid version in the requirement on foo');
    expect(error('foo==')).toBe('"==" has no valid version in the requirement on foo');
    expect(error('foo>=1,')).toBe('"" is not a version specifier (expected ==, >=, ~= …) in the requirement on foo');
  });

  it('rejects an unclosed parenthesis', () => {
    expect(error('foo (>=1')).toBe('unclosed "(" in a version specifier in the requirement on foo');
  });
});

describe('parseRequirement: markers', () => {
  it('reads a marker after a specifier', () => {
    expect(ok('tomli==2.0.1 ; python_version < "3.11"')).toEqual({
      name: 'tomli',
      extras: [],
      specifier: [{ operator: '==', version: '2.0.1' }],
      marker: 'python_version < "3.11"',
    });
  });

  it('reads a marker without white space around ";"', () => {
    expect(ok('tomli;python_version<"3.11"')).toEqual({ name: 'tomli', extras: [], specifier: [], marker: 'python_version<"3.11"' });
  });

  it('keeps the whole marker text after the first ";"', () => {
    expect(ok('pkg>=1; (os_name == "posix" and extra == "a;b")').marker).toBe('(os_name == "posix" and extra == "a;b")');
  });

  it('drops an empty marker', () => {
    expect(ok('pkg==1 ;')).toEqual({ name: 'pkg', extras: [], specifier: [{ operator: '==', version: '1' }] });
    expect('marker' in ok('pkg==1 ;   ')).toBe(false);
  });
});

describe('parseRequirement: URLs and locations', () => {
  it('reads name @ URL', () => {
    expect(ok('pkg @ https://example.com/pkg-1.0.tar.gz#sha256=abc')).toEqual({
      name: 'pkg',
      extras: [],
      specifier: [],
      url: 'https://example.com/pkg-1.0.tar.gz#sha256=abc',
    });
  });

  it('reads name[extras] @ VCS URL', () => {
    expect(ok('pkg[cli] @ git+https://github.com/org/pkg.git@v1.0')).toEqual({
      name: 'pkg',
      extras: ['cli'],
      specifier: [],
      url: 'git+https://github.com/org/pkg.git@v1.0',
    });
  });

  it('reads a marker after a URL only when ";" follows white space', () => {
    expect(ok('pkg @ https://example.com/a;b ; os_name == "posix"')).toEqual({
      name: 'pkg',
      extras: [],
      specifier: [],
      url: 'https://example.com/a;b',
      marker: 'os_name == "posix"',
    });
    expect(ok('pkg @ https://example.com/a;os_name=="posix"').url).toBe('https://example.com/a;os_name=="posix"');
  });

  it('rejects "@" without a URL', () => {
    expect(error('pkg @')).toBe('"pkg @" is not followed by a URL');
    expect(error('pkg[x] @   ')).toBe('"pkg @" is not followed by a URL');
  });

  it('reads name @ URL when the URL ends in a wheel file name', () => {
    expect(ok('pkg @ https://example.com/pkg-1.0-py3-none-any.whl')).toEqual({
      name: 'pkg',
      extras: [],
      specifier: [],
      url: 'https://example.com/pkg-1.0-py3-none-any.whl',
    });
  });

  it('reads name@URL without white space around "@"', () => {
    expect(ok('pkg@https://example.com/pkg-1.0.tar.gz')).toEqual({
      name: 'pkg',
      extras: [],
      specifier: [],
      url: 'https://example.com/pkg-1.0.tar.gz',
    });
  });

  it('reads a VCS URL with its #egg= name', () => {
    expect(ok('git+https://github.com/org/repo.git#egg=my_pkg')).toEqual({
      name: 'my_pkg',
      extras: [],
      specifier: [],
      url: 'git+https://github.com/org/repo.git#egg=my_pkg',
    });
    expect(ok('git+https://github.com/org/repo.git#subdirectory=sub&egg=sub-pkg').name).toBe('sub-pkg');
  });

  it('reads a VCS URL without #egg= with an empty name', () => {
    expect(ok('git+https://github.com/org/repo.git@main')).toEqual({
      name: '',
      extras: [],
      specifier: [],
      url: 'git+https://github.com/org/repo.git@main',
    });
  });

  it.each(['./dir', '.', '/abs/pkg', '~/pkg', 'file:///x.whl', 'pkg-1.0-py3-none-any.whl', 'sub/dir'])('reads the location %j', (location) => {
    expect(ok(location)).toEqual({ name: '', extras: [], specifier: [], url: location });
  });

  it('reads a marker after a location', () => {
    expect(ok('./dir ; sys_platform == "linux"')).toEqual({
      name: '',
      extras: [],
      specifier: [],
      url: './dir',
      marker: 'sys_platform == "linux"',
    });
  });
});

describe('parseSpecifier', () => {
  it.each(['~=', '==', '!=', '<=', '>=', '<', '>', '==='] as const)('reads the operator %s', (operator) => {
    expect(clauses(`${operator}1.0`)).toEqual([{ operator, version: '1.0' }]);
  });

  it('reads nothing from empty text or empty parentheses', () => {
    expect(clauses('')).toEqual([]);
    expect(clauses('   ')).toEqual([]);
    expect(clauses('()')).toEqual([]);
    expect(clauses('( )')).toEqual([]);
  });

  it('allows white space around operators, versions and commas', () => {
    expect(clauses(' >= 1.0 , < 2 ')).toEqual([
      { operator: '>=', version: '1.0' },
      { operator: '<', version: '2' },
    ]);
  });

  it('prefers the longest operator', () => {
    expect(clauses('===1')).toEqual([{ operator: '===', version: '1' }]);
    expect(clauses('<=1')).toEqual([{ operator: '<=', version: '1' }]);
  });

  it('reports malformed specifiers', () => {
    expect(parseSpecifier('(>=1')).toBe('unclosed "(" in a version specifier');
    expect(parseSpecifier('1.0')).toBe('"1.0" is not a version specifier (expected ==, >=, ~= …)');
    expect(parseSpecifier('>=1,,<2')).toBe('"" is not a version specifier (expected ==, >=, ~= …)');
    expect(parseSpecifier('==1 2')).toBe('"==1 2" has no valid version');
    expect(parseSpecifier('==1;x')).toBe('"==1;x" has no valid version');
    expect(parseSpecifier('=>1')).toBe('"=>1" is not a version specifier (expected ==, >=, ~= …)');
  });
});

describe('formatSpecifier', () => {
  it('joins clauses with commas and no spaces', () => {
    expect(formatSpecifier([])).toBe('');
    expect(formatSpecifier(clauses('>= 1.0 , <2, != 1.5.*'))).toBe('>=1.0,<2,!=1.5.*');
  });
});

describe('isValidVersion', () => {
  it.each(['1', '1.0', '2024.2.2', '1.0rc1', '1.0.post1', '1.0.dev0', '1!2.0', '1.0+local.1', 'v1.0'])('accepts %j', (version) => {
    expect(isValidVersion(version)).toBe(true);
  });

  it.each(['', 'abc', '1.*', '1..0', '1.0-foo-bar'])('rejects %j', (version) => {
    expect(isValidVersion(version)).toBe(false);
  });
});

describe('satisfies', () => {
  it('accepts any valid or invalid version when there are no clauses', () => {
    expect(satisfies('1.0', [])).toBe(true);
    expect(satisfies('not a version', [])).toBe(true);
  });

  it('rejects an invalid version against any clause', () => {
    expect(satisfies('not a version', clauses('>=0'))).toBe(false);
  });

  it.each([
    ['1.0', '==1.0', true],
    ['1.0.0', '==1.0', true],
    ['1.1', '==1.0', false],
    ['1.5.2', '==1.*', true],
    ['2.0', '==1.*', false],
    ['1.5', '!=1.5', false],
    ['1.4.5', '~=1.4.2', true],
    ['1.5.0', '~=1.4.2', false],
    ['1.9', '~=1.4', true],
    ['2.0', '~=1.4', false],
    ['1.0', '===1.0', true],
    ['1.0.0', '===1.0', false],
    ['1.5', '>=1.0,<2', true],
    ['2.0', '>=1.0,<2', false],
    ['0.9', '>1.0', false],
    ['1.0+local', '==1.0', true],
  ])('%s against %s is %s', (version, spec, expected) => {
    expect(satisfies(version, clauses(spec))).toBe(expected);
  });

  it('admits pre-releases of a pin', () => {
    expect(satisfies('2.0rc1', clauses('>=1.0'))).toBe(true);
    expect(satisfies('1.1.dev0', clauses('>1.0'))).toBe(true);
    expect(satisfies('3.0b2', clauses('==3.0b2'))).toBe(true);
  });

  it('still orders a pre-release before its final release', () => {
    expect(satisfies('1.0a1', clauses('>=1.0'))).toBe(false);
    expect(satisfies('2.0rc1', clauses('<2.0'))).toBe(false);
  });
});
