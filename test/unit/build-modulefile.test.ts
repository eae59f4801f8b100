/**
 * The Lmod modulefile (charter §9): loads the interpreter module, sets VIRTUAL_ENV, prepends
 * the venv's bin to PATH, never touches PYTHONPATH; and luaString, which must keep any text
 * inside one Lua string literal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PackageIdentity } from '../../src/core/layout.js';
import { luaString, renderModuleDefault, renderModulefile, type ModuleText } from '../../src/rpm/modulefile.js';
import { requiredCommand } from '../support/required-tools.js';

const ID: PackageIdentity = {
  tool: 'hello-tool',
  version: '1.2.0',
  release: '1',
  interpreter: '3.11',
  interpreterHome: '/usr/local/phoreus/python/3.11',
  interpreterModule: 'phoreus-python-3.11',
};

const TEXT: ModuleText = {
  whatis: ['Name: hello-tool', 'Version: 1.2.0', 'Description: Says hello'],
  help: 'hello-tool 1.2.0\nSays hello.',
  env: { ZED: 'z', ALPHA: 'a', MID: 'm' },
};

const INJECTION = '"); os.execute("rm -rf /") --';

/**
 * Decodes one Lua short string literal as Lua 5.1–5.4 read it (the escapes luaString can
 * produce and the usual ones): \ddd takes up to three decimal digits.
 */
function decodeLua(literal: string): string {
  if (!literal.startsWith('"') || !literal.endsWith('"') || literal.length < 2) throw new Error(`not a literal: ${literal}`);
  const body = literal.slice(1, -1);
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'" };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c === '"') throw new Error(`unescaped quote at ${i + 1} of ${literal}`);
    if (c === '\n') throw new Error(`raw newline in ${literal}`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = body[i + 1] ?? '';
    if (next in simple) {
      out += simple[next];
      i += 1;
      continue;
    }
    const digits = /^\d{1,3}/.exec(body.slice(i + 1))?.[0];
    if (!digits) throw new Error(`unknown escape \\${next} in ${literal}`);
    out += String.fromCharCode(Number(digits));
    i += digits.length;
  }
  return out;
}

/** Positions of the `"` characters that are not escaped by a backslash. */
function unescapedQuotes(text: string): number[] {
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === '"') at.push(i);
  }
  return at;
}

describe('renderModulefile', () => {
  const rendered = renderModulefile(ID, TEXT);
  const lines = rendered.split('\n');

  it('loads the interpreter module before it sets anything', () => {
    const load = lines.indexOf('load("phoreus-python-3.11")');
    expect(load).toBeGreaterThanOrEqual(0);
    const firstSet = lines.findIndex((l) => /^(setenv|prepend_path|append_path|pushenv)\(/.test(l));
    expect(firstSet).toBeGreaterThan(load);
  });

  it('sets VIRTUAL_ENV and prepends the venv bin to PATH from the version prefix', () => {
    expect(lines).toContain('local prefix = "/usr/local/phoreus/hello-tool/1.2.0"');
    expect(lines).toContain('setenv("VIRTUAL_ENV", pathJoin(prefix, "venv"))');
    expect(lines).toContain('prepend_path("PATH", pathJoin(prefix, "venv/bin"))');
    expect(lines.indexOf('local prefix = "/usr/local/phoreus/hello-tool/1.2.0"')).toBeLessThan(lines.indexOf('setenv("VIRTUAL_ENV", pathJoin(prefix, "venv"))'));
    expect(lines.filter((l) => l.startsWith('prepend_path('))).toHaveLength(1);
  });

  it('conflicts with other versions of the same tool', () => {
    expect(lines).toContain('conflict("hello-tool")');
  });

  it('carries whatis and help', () => {
    expect(lines).toContain('whatis("Name: hello-tool")');
    expect(lines).toContain('whatis("Version: 1.2.0")');
    expect(lines).toContain('whatis("Description: Says hello")');
    expect(lines).toContain('help("hello-tool 1.2.0\\nSays hello.")');
  });

  it('never touches PYTHONPATH, PYTHONHOME or a site-packages path', () => {
    expect(rendered).not.toMatch(/PYTHONPATH/i);
    expect(rendered).not.toMatch(/PYTHONHOME/i);
    expect(rendered).not.toMatch(/site-packages/i);
    expect(renderModulefile(ID, { whatis: [], help: '', env: {} })).not.toMatch(/PYTHON(PATH|HOME)|site-packages/i);
  });

  it('sets the extra environment after PATH, sorted by name', () => {
    const setenvs = lines.filter((l) => l.startsWith('setenv('));
    expect(setenvs).toEqual([
      'setenv("VIRTUAL_ENV", pathJoin(prefix, "venv"))',
      'setenv("ALPHA", "a")',
      'setenv("MID", "m")',
      'setenv("ZED", "z")',
    ]);
    expect(lines.indexOf('setenv("ALPHA", "a")')).toBeGreaterThan(lines.indexOf('prepend_path("PATH", pathJoin(prefix, "venv/bin"))'));
  });

  it('names the tool version and package in its header comment and ends with a newline', () => {
    expect(lines[0]).toBe('-- hello-tool/1.2.0: Lmod modulefile of phoreus-hello-tool-1.2.0, generated by phoreus-rpm.');
    expect(rendered.endsWith('\n')).toBe(true);
    expect(rendered.endsWith('\n\n')).toBe(false);
  });

  it('takes the prefix and interpreter from the identity', () => {
    const other = renderModulefile({ ...ID, tool: 'fastcount', version: '0.9.1', interpreterModule: 'phoreus-python-3.12' }, TEXT);
    expect(other).toContain('local prefix = "/usr/local/phoreus/fastcount/0.9.1"\n');
    expect(other).toContain('load("phoreus-python-3.12")\n');
    expect(other).toContain('conflict("fastcount")\n');
  });

  it('keeps hostile help, whatis and env text inside string literals', () => {
    const text = renderModulefile(ID, { whatis: [INJECTION], help: `${INJECTION}\n]]--[[`, env: { X: INJECTION } });
    const hostileLines = text.split('\n').filter((l) => l.includes('os.execute'));
    expect(hostileLines).toHaveLength(3);
    for (const line of hostileLines) {
      // Exactly the quotes of the call's literals are unescaped: two per argument.
      const args = line.startsWith('setenv("X"') ? 2 : 1;
      expect(unescapedQuotes(line)).toHaveLength(2 * args);
    }
    expect(text).not.toMatch(/^\s*os\.execute/m);
  });
});

describe('luaString', () => {
  it('quotes plain text', () => {
    expect(luaString('hello')).toBe('"hello"');
    expect(luaString('')).toBe('""');
  });

  it('escapes double quotes and backslashes', () => {
    expect(luaString('say "hi"')).toBe('"say \\"hi\\""');
    expect(luaString('C:\\path')).toBe('"C:\\\\path"');
    expect(luaString('\\"')).toBe('"\\\\\\""');
  });

  it('escapes newlines and carriage returns', () => {
    expect(luaString('a\nb')).toBe('"a\\nb"');
    expect(luaString('a\r\nb')).toBe('"a\\r\\nb"');
  });

  it('escapes other control characters as three-digit decimal escapes', () => {
    expect(luaString('a\tb')).toBe('"a\\009b"');
    expect(luaString('\x00')).toBe('"\\000"');
    expect(luaString('\x1b[1m')).toBe('"\\027[1m"');
    expect(luaString('\x7f')).toBe('"\\127"');
  });

  it('leaves non-ASCII text as it is', () => {
    expect(luaString('Müller — ü')).toBe('"Müller — ü"');
  });

  it('keeps an injection attempt inside one string literal', () => {
    const literal = luaString(INJECTION);
    expect(unescapedQuotes(literal)).toEqual([0, literal.length - 1]);
    expect(decodeLua(literal)).toBe(INJECTION);
    const embedded = `whatis(${literal})`;
    expect(unescapedQuotes(embedded)).toEqual([7, embedded.length - 2]);
  });

  it('round-trips text whose control characters are not followed by digits', () => {
    const samples = [INJECTION, 'a\\', '\\', '"', '\n"\n', 'tab\there', 'bell\x07!', 'nul\x00x', 'end\\"', 'x\r\ny', '\x7fz', '\\n is not a newline'];
    for (const s of samples) expect(decodeLua(luaString(s)), JSON.stringify(s)).toBe(s);
  });

  it('keeps a digit that follows a control character (Lua reads up to three escape digits)', () => {
    expect(decodeLua(luaString('\x012'))).toBe('\x012');
    expect(decodeLua(luaString('col\t0'))).toBe('col\t0');
  });
});

describe('renderModuleDefault', () => {
  it('marks the version as the default of the tool', () => {
    const text = renderModuleDefault(ID);
    expect(text).toContain('module_version("hello-tool/1.2.0", "default")\n');
    expect(text).toBe('-- Default version of hello-tool, set by the meta package phoreus-hello-tool.\nmodule_version("hello-tool/1.2.0", "default")\n');
  });
});

// ---------------------------------------------------------------------------------------------
// With a Lua on the machine: the rendered files are valid Lua, and run against stubs of the
// Lmod functions they make exactly the calls expected, with the strings intact.

/** Lua, which Lmod runs modulefiles with (Debian's lmod depends on lua5.3, which has both). */
const lua = (): string => requiredCommand(['lua5.4', 'lua5.3', 'lua'], 'lua5.3');
const luac = (): string => requiredCommand(['luac5.4', 'luac5.3', 'luac'], 'lua5.3');

const scratch = mkdtempSync(join(tmpdir(), 'phoreus-modulefile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeScratch(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

/** Runs a modulefile against recording stubs; returns each call as [function, ...string args]. */
function runModulefile(lua: string, path: string): string[][] {
  const harness = writeScratch('harness.lua', `
local path = arg[1]
local calls = {}
local function hex(s) return (tostring(s):gsub('.', function(c) return string.format('%02x', c:byte()) end)) end
local function rec(name) return function(...) local t = {name}; for _, v in ipairs({...}) do t[#t + 1] = hex(v) end; calls[#calls + 1] = t end end
local env = {
  whatis = rec('whatis'), help = rec('help'), conflict = rec('conflict'), load = rec('load'),
  setenv = rec('setenv'), prepend_path = rec('prepend_path'), module_version = rec('module_version'),
  pathJoin = function(...) return table.concat({...}, '/') end,
}
local chunk = assert(loadfile(path, 't', env))
if setfenv then setfenv(chunk, env) end
chunk()
for _, t in ipairs(calls) do io.write(table.concat(t, ' '), '\\n') end
`);
  const r = spawnSync(lua, [harness, path], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean).map((line) => {
    const [name = '', ...args] = line.split(' ');
    return [name, ...args.map((h) => Buffer.from(h, 'hex').toString('utf8'))];
  });
}

describe('rendered files under Lua', () => {
  const hostile: ModuleText = {
    whatis: ['Name: hello-tool', INJECTION],
    help: `Line one\nLine "two" \\ ]] ]=] --[[ \r\x1b[0m end`,
    env: { HELLO_HOME: 'C:\\x "y"', AAA: INJECTION },
  };

  it('passes a Lua syntax check', () => {
    const files = [
      writeScratch('plain.lua', renderModulefile(ID, TEXT)),
      writeScratch('hostile.lua', renderModulefile(ID, hostile)),
      writeScratch('modulerc.lua', renderModuleDefault(ID)),
    ];
    for (const file of files) {
      const r = spawnSync(luac(), ['-p', file], { encoding: 'utf8' });
      expect(r.stderr, file).toBe('');
      expect(r.status, file).toBe(0);
    }
  });

  it('makes exactly the Lmod calls expected, with hostile strings intact', () => {
    const calls = runModulefile(lua(), writeScratch('run.lua', renderModulefile(ID, hostile)));
    expect(calls).toEqual([
      ['whatis', 'Name: hello-tool'],
      ['whatis', INJECTION],
      ['help', hostile.help],
      ['conflict', 'hello-tool'],
      ['load', 'phoreus-python-3.11'],
      ['setenv', 'VIRTUAL_ENV', '/usr/local/phoreus/hello-tool/1.2.0/venv'],
      ['prepend_path', 'PATH', '/usr/local/phoreus/hello-tool/1.2.0/venv/bin'],
      ['setenv', 'AAA', INJECTION],
      ['setenv', 'HELLO_HOME', 'C:\\x "y"'],
    ]);
  });

  it('the module default file calls module_version once', () => {
    const calls = runModulefile(lua(), writeScratch('rc.lua', renderModuleDefault(ID)));
    expect(calls).toEqual([['module_version', 'hello-tool/1.2.0', 'default']]);
  });

  it('the test decoder reads escapes as Lua does', () => {
    const literals = ['"\\0012"', '"\\12"', '"\\90"', '"a\\\\b\\"c\\n"', '"\\27[1m"', '"\\127"'];
    const script = writeScratch('decode.lua', `${literals.map((l, i) => `local s${i} = ${l}`).join('\n')}
for _, s in ipairs({${literals.map((_, i) => `s${i}`).join(', ')}}) do io.write((s:gsub('.', function(c) return string.format('%02x', c:byte()) end)), '\\n') end
`);
    const r = spawnSync(lua(), [script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const decoded = r.stdout.split('\n').filter((_, i) => i < literals.length).map((h) => Buffer.from(h, 'hex').toString('latin1'));
    expect(decoded).toEqual(literals.map(decodeLua));
    expect(decoded[1]).toBe('\f');
  });

  it('Lua reads back a control character followed by a digit unchanged', () => {
    const calls = runModulefile(lua(), writeScratch('digit.lua', renderModulefile(ID, { whatis: ['\x012', 'col\t0'], help: '', env: {} })));
    expect(calls.slice(0, 2)).toEqual([['whatis', '\x012'], ['whatis', 'col\t0']]);
  });
});
