/**
 * The modulefile renderer against Lua and Lmod: for arbitrary text in every value it writes
 * (whatis lines, help, environment values), the modulefile run in a Lua sandbox calls exactly
 * the expected functions with exactly the given strings and touches no other global, and
 * real Lmod loads it, sets exactly those variables, and runs nothing else.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { PackageIdentity } from '../../src/core/layout.js';
import { renderModulefile } from '../../src/rpm/modulefile.js';
import { lmodInit } from '../../src/audit/smoke-test.js';
import { UnsafeValue } from '../../src/inputs/values.js';
import { run } from '../support/processes.js';

const work = mkdtempSync(join(tmpdir(), 'phoreus-lmod-prop-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const MARKER = join(work, 'MARKER');

const ID: PackageIdentity = { tool: 'hello-tool', version: '1.2.0', release: '1', interpreter: '3.11', interpreterHome: '/usr/local/phoreus/python/3.11', interpreterModule: 'phoreus-python-3.11' };
const VENV = '/usr/local/phoreus/hello-tool/1.2.0/venv';

/** Lua and shell an attacker writes into module text. */
const INJECTIONS = [
  `"); os.execute("touch ${MARKER}"); --`,
  `]] os.execute("touch ${MARKER}") --[[`,
  `\\"); os.execute("touch ${MARKER}") --`,
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  'a\nb\r\nc\0d',
  '\x1b[2J\\x00\\',
  ']==] [==[',
];
const text = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary-ascii', maxLength: 30 }),
);
/** Environment names as the configuration schema admits them (PH204 keeps PYTHON* out). */
const envName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/).filter((n) => !/^(PYTHON|PATH$|VIRTUAL_ENV$|LMOD|MODULE|LOADEDMODULES$|_LMFILES_$|HOME$|LANG)/.test(n) && !n.startsWith('_'));

/** Runs a modulefile in a Lua environment holding only the functions a Phoreus module may call; prints each call. */
const SANDBOX = `
local calls = {}
local function q(s) return (string.gsub(s, "[%z\\1-\\31\\\\|%c\\128-\\255]", function(c) return string.format("\\\\%03d", string.byte(c)) end)) end
local function record(name) return function(...) local parts = {name} for _, a in ipairs({...}) do parts[#parts + 1] = q(tostring(a)) end calls[#calls + 1] = table.concat(parts, "|") end end
local env = { whatis = record("whatis"), help = record("help"), conflict = record("conflict"), load = record("load"),
  setenv = record("setenv"), prepend_path = record("prepend_path"),
  pathJoin = function(...) return table.concat({...}, "/") end }
setmetatable(env, { __index = function(_, k) error("forbidden global: " .. tostring(k)) end, __newindex = function(_, k) error("forbidden assignment: " .. tostring(k)) end })
local f = assert(io.open(arg[1], "rb")); local source = f:read("a"); f:close()
local chunk = assert(load(source, "modulefile", "t", env))
chunk()
for _, c in ipairs(calls) do print(c) end
`;

/** The escaping the sandbox prints strings with, done in TypeScript for the expected calls. */
// eslint-disable-next-line no-control-regex -- control bytes are what the sandbox escapes
const q = (s: string): string => Buffer.from(s, 'utf8').toString('latin1').replace(/[\x00-\x1f\\|\x7f-\xff]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, '0')}`);

describe('renderModulefile under Lua and Lmod, for arbitrary text', () => {
  const init = lmodInit();

  it('calls exactly the allowed functions with exactly the given strings, and Lmod loads it running nothing else', async () => {
    if (!init) throw new Error('Lmod is not installed: apt-get install lmod (the README\'s test command installs it)');
    writeFileSync(join(work, 'sandbox.lua'), SANDBOX);
    const modules = join(work, 'modules');
    mkdirSync(join(modules, 'hello-tool'), { recursive: true });
    writeFileSync(join(modules, 'phoreus-python-3.11.lua'), 'whatis("stand-in interpreter module")\n');
    await fc.assert(fc.asyncProperty(fc.array(text, { maxLength: 3 }), text, fc.dictionary(envName, text, { maxKeys: 3 }), async (whatis, help, env) => {
      const file = join(modules, 'hello-tool', '1.2.0.lua');
      let rendered: string;
      try {
        rendered = renderModulefile(ID, { whatis, help, env });
      } catch (error) {
        // An environment value with a control character would break Lmod's shell code: refused.
        expect(error).toBeInstanceOf(UnsafeValue);
        // eslint-disable-next-line no-control-regex -- the refusal is for exactly these
        expect(Object.values(env).some((v) => /[\x00-\x1f\x7f]/.test(v))).toBe(true);
        return;
      }
      writeFileSync(file, rendered);

      const lua = await run('lua', [join(work, 'sandbox.lua'), file]);
      expect(lua.status, lua.stderr).toBe(0);
      const sortedEnv = Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      expect(lua.stdout.split('\n').filter(Boolean)).toEqual([
        ...whatis.map((w) => `whatis|${q(w)}`),
        `help|${q(help)}`,
        'conflict|hello-tool',
        'load|phoreus-python-3.11',
        `setenv|VIRTUAL_ENV|${VENV}`,
        `prepend_path|PATH|${VENV}/bin`,
        ...sortedEnv.map(([k, v]) => `setenv|${k}|${q(v)}`),
      ]);

      // Real Lmod: the module loads and the environment holds exactly the values given.
      const names = sortedEnv.map(([k]) => k);
      const script = [`source ${init}`, `export MODULEPATH=${modules}`, 'module load hello-tool/1.2.0 || exit 9',
        `node -e 'const e = process.env; console.log(JSON.stringify({ VIRTUAL_ENV: e.VIRTUAL_ENV, PATH: e.PATH, env: Object.fromEntries(${JSON.stringify(names)}.map((k) => [k, e[k]])) }))'`].join('\n');
      const lmod = await run('bash', ['-c', script], { env: { PATH: `/usr/bin:/bin:${join(process.execPath, '..')}`, HOME: work, LANG: 'C.UTF-8' } });
      expect(lmod.status, lmod.stderr).toBe(0);
      const seen = JSON.parse(lmod.stdout.trim().split('\n').pop() ?? '{}') as { VIRTUAL_ENV: string; PATH: string; env: Record<string, string> };
      expect(seen.VIRTUAL_ENV).toBe(VENV);
      expect(seen.PATH.split(':')[0]).toBe(`${VENV}/bin`);
      for (const [k, v] of sortedEnv) expect(seen.env[k]).toBe(v);
      expect(existsSync(MARKER)).toBe(false);
    }), { numRuns: 40 });
  });
});
