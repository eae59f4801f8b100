/**
 * The grammar of every value that reaches the spec, a shell line, Lmod or a path: the same
 * judgement for phoreus.yaml, the CLI flags and the action inputs.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { checkValues } from '../../src/inputs/options.js';
import { UsageError } from '../../src/core/errors.js';
import { judgeHome, judgeModule, judgePath, judgeRelease } from '../../src/inputs/values.js';

const HOSTILE = ['1%{lua: os.execute("touch /tmp/x")}', '1\nRequires: evil', '1\r%post', '1 2', "1'", '1"', '1;x', '1$(id)', '1`id`', '1-2', '', '%{?dist}', 'x'.repeat(65)];

describe('judgeRelease', () => {
  it.each(['1', '12', '2.el9_1', '0.1.rc1', '3+local', '1~beta'])('accepts %s', (v) => expect(judgeRelease(v)).toBeUndefined());
  it.each(HOSTILE)('refuses %j', (v) => expect(judgeRelease(v)).toMatch(/letters and digits/));
});

describe('judgeModule', () => {
  it.each(['phoreus-python-{python}', 'python-3.11', 'cpython3.11'])('accepts %s', (v) => expect(judgeModule(v)).toBeUndefined());
  it.each([...HOSTILE.filter((v) => v !== '1-2'), '../../etc/x', 'python/3.11', 'a"b', 'x]]y', '{python}/../x'])('refuses %j', (v) => expect(judgeModule(v)).toMatch(/RPM package name/));
});

describe('judgeHome and judgePath', () => {
  it.each(['/usr/local/phoreus/python/{python}', '/opt/python-{python}', '/root/.pyenv/versions/3.11.7'])('accepts %s', (v) => expect(judgeHome(v)).toBeUndefined());
  it.each(['relative/path', '/usr/../etc', '/usr//x', '/usr/x/', '/', '/a b', '/a$(id)', '/a%{x}', '/a\nb', '/a;b', "/a'b", '/./x'])('refuses %j', (v) => expect(judgePath(v)).toMatch(/absolute, normalised/));
});

describe('checkValues', () => {
  it('names the flag and the input of the value it refuses', () => {
    expect(() => checkValues({ release: '1%{lua:x}' })).toThrow(UsageError);
    expect(() => checkValues({ release: '1%{lua:x}' })).toThrow(/^release \(--release, the release input\) "1%\{lua:x\}" is not safe/);
    expect(() => checkValues({ interpreterModule: '../../x' })).toThrow(/--interpreter-module, the interpreter-module input/);
    expect(() => checkValues({ interpreterHome: '/x;id' })).toThrow(/--interpreter-home, the interpreter-home input/);
    expect(() => checkValues({ release: '2', interpreterHome: '/opt/py/{python}', interpreterModule: 'py-{python}' })).not.toThrow();
  });
});

describe('phoreus.yaml', () => {
  it('refuses an unsafe release, interpreter home or module at its line (PH113)', () => {
    const loaded = parseConfig('phoreus.yaml', [
      'tool:',
      '  release: "1\\n%post\\ntouch /tmp/x"',
      'policy:',
      '  interpreter-home: "/opt/$(id)/{python}"',
      '  interpreter-module: "phoreus-python-{python}\\nRequires: evil"',
      '',
    ].join('\n'));
    expect(loaded.findings.map((f) => [f.rule, f.line])).toEqual([['PH113', 2], ['PH113', 4], ['PH113', 5]]);
    expect(loaded.findings.every((f) => /is not safe/.test(f.message))).toBe(true);
    expect(loaded.findings.some((f) => f.message.includes('\n'))).toBe(false);
  });

  it('accepts a numeric release', () => {
    expect(parseConfig('phoreus.yaml', 'tool:\n  release: 3\n').findings).toEqual([]);
  });
});
