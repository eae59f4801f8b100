/**
 * The audit's rules on a binary RPM, without rpm: the header rules (PH202, PH203, PH206,
 * PH311, PH313) on hand-made headers, the modulefile rules (PH204, PH205), parseScriptlets on
 * the text `rpm -qp --scripts --triggers` prints, the header's file digests and when they are
 * trusted, and the payload rules (PH301–PH312) on
 * synthetic cpio entries of a small venv: one good, then one thing wrong at a time.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpioEntry } from '../../src/audit/cpio.js';
import { bufferSource } from '../../src/audit/elf.js';
import {
  checkIdentity,
  checkProvides,
  checkRequires,
  checkScriptlets,
  payloadIdentity,
  type HeaderContext,
  type RpmHeader,
} from '../../src/audit/header-rules.js';
import { checkModulefile } from '../../src/audit/modulefile-rules.js';
import { PayloadAuditor, type StreamedFile } from '../../src/audit/payload.js';
import { entryReader, Gatherers } from '../../src/audit/payload-files.js';
import { buildPathIn } from '../../src/audit/payload-rules/build-paths.js';
import type { PayloadContext } from '../../src/audit/payload-rules/state.js';
import { headerDigests, parseFiles, parseScriptlets } from '../../src/audit/rpm-file.js';
import type { PackageIdentity } from '../../src/core/layout.js';
import { renderModulefile, type ModuleText } from '../../src/rpm/modulefile.js';
import { countBySeverity, type Finding } from '../../src/core/finding.js';
import type { RuleId } from '../../src/core/rules.js';
import type { Waiver } from '../../src/core/waivers.js';
import { distro } from '../../src/plan/distros.js';
import { requiredCommand } from '../support/required-tools.js';

const TOOL = 'hello-tool';
const VERSION = '1.2.0';
const PREFIX = `/usr/local/phoreus/${TOOL}/${VERSION}`;
const VENV = `${PREFIX}/venv`;
const SP = `${VENV}/lib/python3.11/site-packages`;
const MODULEFILE = `/usr/local/phoreus/modulefiles/${TOOL}/${VERSION}.lua`;
const LOCK = `${PREFIX}/requirements.lock`;
const MODULE = 'phoreus-python-3.11';

const ID: PackageIdentity = {
  tool: TOOL,
  version: VERSION,
  release: '1',
  interpreter: '3.11',
  interpreterHome: '/usr/local/phoreus/python/3.11',
  interpreterModule: MODULE,
};
const TEXT: ModuleText = {
  whatis: [`Name: ${TOOL}`, `Version: ${VERSION}`, 'Description: Says hello', `Interpreter: Python 3.11 (${MODULE})`],
  help: `${TOOL} ${VERSION}, in its own virtual environment under ${VENV}.`,
  env: {},
};
const GOOD_MODULEFILE = renderModulefile(ID, TEXT);

const rules = (findings: readonly Finding[]): RuleId[] => findings.map((f) => f.rule);
const only = (findings: readonly Finding[], rule: RuleId): Finding[] => findings.filter((f) => f.rule === rule);

// ---------------------------------------------------------------------------------------
// Header rules
// ---------------------------------------------------------------------------------------

const CTX: HeaderContext = { file: 'phoreus-hello-tool-1.2.0-1.el9.x86_64.rpm', interpreterModule: MODULE };

function header(change: Partial<RpmHeader> = {}): RpmHeader {
  return {
    name: `phoreus-${TOOL}-${VERSION}`,
    version: VERSION,
    release: '1.el9',
    arch: 'x86_64',
    requires: ['phoreus', MODULE, 'rpmlib(CompressedFileNames) <= 3.0.4-1', 'rpmlib(FileDigests) <= 4.6.0-1', 'rpmlib(PayloadIsZstd) <= 5.4.18-1'],
    provides: [`phoreus-${TOOL}-${VERSION} = ${VERSION}-1.el9`, `phoreus-${TOOL}-${VERSION}(x86-64) = ${VERSION}-1.el9`],
    scriptlets: [],
    files: [],
    digests: new Map(),
    ...change,
  };
}

describe('checkRequires (PH202, PH203)', () => {
  it('passes a header requiring phoreus and the interpreter module only', () => {
    expect(checkRequires(header(), CTX)).toEqual([]);
    expect(checkRequires(header({ requires: ['phoreus >= 1.0', `${MODULE} >= 3.11.4`, '/bin/sh'] }), CTX)).toEqual([]);
  });

  for (const dep of ['python3-numpy >= 1.26', 'python3.11-requests', 'python3dist(numpy)', 'python3.11dist(numpy) >= 1.0', 'python(abi) = 3.11', '/usr/bin/python3', 'libpython3.11.so.1.0()(64bit)']) {
    it(`PH202 fires for "${dep}"`, () => {
      const findings = checkRequires(header({ requires: [...header().requires, dep] }), CTX);
      expect(rules(findings)).toEqual(['PH202']);
      const name = dep.split(' ')[0] as string;
      expect(findings[0]?.message).toContain(`requires ${name},`);
      expect(findings[0]).toMatchObject({ file: CTX.file, line: 1, severity: 'error' });
    });
  }

  it('PH202 does not fire for the interpreter module, rpmlib() or /bin/sh', () => {
    expect(only(checkRequires(header({ requires: [...header().requires, '/bin/sh', 'coreutils', 'phoreus-python-3.11'] }), CTX), 'PH202')).toEqual([]);
  });

  // The system interpreter packages are a "system Python" too; SHARED_PYTHON only knows
  // python3-*, python3.X-*, python3dist(), python(abi), /usr/bin/python and libpython.
  it('PH202 fires for a Requires on the system interpreter package python3', () => {
    expect(rules(checkRequires(header({ requires: [...header().requires, 'python3'] }), CTX))).toEqual(['PH202']);
  });

  it('PH202 fires for a Requires on the system interpreter package python3.11', () => {
    expect(rules(checkRequires(header({ requires: [...header().requires, 'python3.11 >= 3.11.2'] }), CTX))).toEqual(['PH202']);
  });

  it('PH203 fires when no interpreter module is required', () => {
    const findings = checkRequires(header({ requires: ['phoreus'] }), CTX);
    expect(rules(findings)).toEqual(['PH203']);
    expect(findings[0]?.message).toContain('it requires none');
  });

  it('PH203 fires when two interpreter modules are required', () => {
    const findings = checkRequires(header({ requires: ['phoreus', 'phoreus-python-3.10', MODULE] }), CTX);
    expect(rules(findings)).toEqual(['PH203']);
    expect(findings[0]?.message).toContain('phoreus-python-3.10, phoreus-python-3.11');
  });

  it('PH203 fires when another interpreter module is required', () => {
    const findings = checkRequires(header({ requires: ['phoreus', 'phoreus-python-3.10'] }), CTX);
    expect(rules(findings)).toEqual(['PH203']);
    expect(findings[0]?.message).toContain('requires phoreus-python-3.10');
  });

  // rpm lists a dependency once per version clause; modules are counted per clause, so one
  // module required with a range is "two interpreter modules".
  it('PH203 does not fire for one interpreter module required with a version range', () => {
    expect(checkRequires(header({ requires: ['phoreus', `${MODULE} >= 3.11.4`, `${MODULE} < 3.12`] }), CTX)).toEqual([]);
  });

  it('PH203 fires when phoreus is not required', () => {
    const findings = checkRequires(header({ requires: [MODULE] }), CTX);
    expect(rules(findings)).toEqual(['PH203']);
    expect(findings[0]?.message).toContain('does not require phoreus');
  });

  it('PH203 fires twice when neither is required, and does not take phoreus-foo for phoreus', () => {
    expect(rules(checkRequires(header({ requires: ['phoreus-foo', 'bash'] }), CTX))).toEqual(['PH203', 'PH203']);
  });
});

describe('checkProvides (PH311)', () => {
  it('passes the package name and its arch-qualified name', () => {
    expect(checkProvides(header(), CTX)).toEqual([]);
    expect(checkProvides(header({ provides: [...header().provides, 'config(phoreus-hello-tool-1.2.0) = 1.2.0-1', 'bundled(python3dist(alpha)) = 1.0'] }), CTX)).toEqual([]);
  });

  for (const dep of ['python3dist(alpha) = 1.0', 'python3.11dist(alpha) = 1.0', 'pythondist(alpha)', 'python(abi) = 3.11', 'python3-alpha = 1.0', 'python3.11-alpha', 'libfoo.so.1()(64bit)', 'libfoo.so()(64bit)', 'libbar.so']) {
    it(`fires for "${dep}"`, () => {
      const findings = checkProvides(header({ provides: [...header().provides, dep] }), CTX);
      expect(rules(findings)).toEqual(['PH311']);
      expect(findings[0]?.message).toContain(`provides ${dep.split(' ')[0]},`);
      expect(findings[0]?.file).toBe(CTX.file);
    });
  }

  it('does not take library-like names that are not sonames', () => {
    expect(checkProvides(header({ provides: ['libreoffice-helper = 1', 'library-tool'] }), CTX)).toEqual([]);
  });
});

describe('checkScriptlets (PH206)', () => {
  const withScript = (body: string, kind = 'postinstall scriptlet (using /bin/sh)'): RpmHeader => header({ scriptlets: [{ kind, body }] });

  const installers: Array<[string, string]> = [
    ['pip', 'pip install numpy'],
    ['a venv pip3 by path', `${VENV}/bin/pip3 install --upgrade numpy`],
    ['pip3.11', 'pip3.11 install x; echo done'],
    ['ensurepip', '/usr/local/phoreus/python/3.11/bin/python3.11 -m ensurepip --upgrade'],
    ['ensurepip as a command', 'ensurepip'],
    ['conda', 'conda install -y samtools'],
    ['mamba', 'mamba create -n tools samtools'],
    ['-m pip', 'if true; then\n  python3 -m pip install --user requests\nfi'],
  ];
  for (const [what, body] of installers) {
    it(`fires for ${what}`, () => {
      const findings = checkScriptlets(withScript(body), CTX);
      expect(rules(findings)).toEqual(['PH206']);
      expect(findings[0]?.message).toContain('the postinstall scriptlet runs a package installer');
      expect(findings[0]?.file).toBe(CTX.file);
    });
  }

  const writers = [
    'rm -rf /usr/local/phoreus/x/1/venv',
    'rm -rf /usr/local/phoreus/x/1/venv/lib/python3.11/site-packages/__pycache__',
    `echo "x" >> ${VENV}/pyvenv.cfg`,
    `sed -i 's/a/b/' ${VENV}/bin/activate`,
    `ln -s /opt/x ${VENV}/lib/x`,
  ];
  for (const body of writers) {
    it(`fires for a write into a venv: ${body}`, () => {
      const findings = checkScriptlets(withScript(body, 'preuninstall scriptlet (using /bin/sh)'), CTX);
      expect(rules(findings)).toEqual(['PH206']);
      expect(findings[0]?.message).toContain('the preuninstall scriptlet writes into an installed venv');
    });
  }

  const harmless = [
    '/sbin/ldconfig',
    'ldconfig',
    'echo pipeline ready',
    'rm -rf /var/cache/hello-tool',
    `ls ${VENV}/bin`,
    `test -d ${VENV} && echo installed`,
    'module load phoreus-python-3.11 || :',
  ];
  for (const body of harmless) {
    it(`does not fire for "${body}"`, () => {
      expect(checkScriptlets(withScript(body), CTX)).toEqual([]);
    });
  }

  it('fires once per offending scriptlet', () => {
    const h = header({
      scriptlets: [
        { kind: 'preinstall scriptlet (using /bin/sh)', body: 'getent group hello || groupadd hello' },
        { kind: 'postinstall scriptlet (using /bin/sh)', body: 'pip install x' },
        { kind: 'triggerin scriptlet (using /bin/sh) -- foo', body: 'conda update --all' },
      ],
    });
    const findings = checkScriptlets(h, CTX);
    expect(rules(findings)).toEqual(['PH206', 'PH206']);
    expect(findings[1]?.message).toContain('the triggerin scriptlet');
  });
});

describe('payloadIdentity and checkIdentity (PH313)', () => {
  const identity = { tool: TOOL, version: VERSION };

  it('reads tool and version from the venv path, skipping modulefiles and the interpreter', () => {
    expect(payloadIdentity([MODULEFILE, '/usr/local/phoreus/python/3.11/venv/bin/python', PREFIX, `${VENV}/bin/python`])).toEqual(identity);
    expect(payloadIdentity([VENV])).toEqual(identity);
    expect(payloadIdentity([LOCK, `${PREFIX}/venvs/x`, '/usr/bin/hello'])).toBeUndefined();
  });

  it('passes when name and version agree with the prefix', () => {
    expect(checkIdentity(header(), identity, CTX)).toEqual([]);
  });

  it('fires when the name does not match the prefix', () => {
    const findings = checkIdentity(header({ name: 'phoreus-hello-1.2.0' }), identity, CTX);
    expect(rules(findings)).toEqual(['PH313']);
    expect(findings[0]?.message).toContain(`name it phoreus-${TOOL}-${VERSION}`);
  });

  it('fires when the version does not match the prefix', () => {
    const findings = checkIdentity(header({ version: '1.2.1' }), identity, CTX);
    expect(rules(findings)).toEqual(['PH313']);
    expect(findings[0]?.message).toContain("Version is 1.2.1");
  });

  it('fires twice when both disagree', () => {
    expect(rules(checkIdentity(header({ name: 'phoreus-other-2.0', version: '2.0' }), identity, CTX))).toEqual(['PH313', 'PH313']);
  });

  it('fires when the payload has no venv', () => {
    const findings = checkIdentity(header(), undefined, CTX);
    expect(rules(findings)).toEqual(['PH313']);
    expect(findings[0]?.message).toContain('no venv');
  });
});

// ---------------------------------------------------------------------------------------
// The header's file digests
// ---------------------------------------------------------------------------------------

describe('headerDigests', () => {
  const hex = (text: string): string => createHash('sha256').update(text).digest('hex');
  const listing = (rows: Array<[number, string, string]>): string => rows.map(([mode, digest, path]) => `FILE\t${mode}\t${digest}\t${path}\n`).join('');
  const rows: Array<[number, string, string]> = [
    [0o40755, '', `${VENV}`],
    [0o100644, hex('a'), `${SP}/alpha/__init__.py`],
    [0o120777, '', `${VENV}/bin/python3`],
    [0o100755, hex('b'), `${VENV}/bin/alpha`],
  ];

  it('gives each regular file its SHA-256 digest as RECORD writes it, by its name in the archive', () => {
    const digests = headerDigests(parseFiles(listing(rows)), '8', rows.length);
    expect([...digests.keys()]).toEqual([`${SP}/alpha/__init__.py`.slice(1), `${VENV}/bin/alpha`.slice(1)]);
    expect(digests.get(`${SP}/alpha/__init__.py`.slice(1))).toBe(createHash('sha256').update('a').digest('base64url'));
  });

  it('gives none when the digests are not SHA-256 (MD5, SHA-1, SHA-512, none named)', () => {
    for (const algorithm of ['1', '2', '10', '(none)', '']) expect(headerDigests(parseFiles(listing(rows)), algorithm, rows.length).size, algorithm).toBe(0);
  });

  it('gives none when a name broke its line: a forged line could give a file a digest rpm never checks', () => {
    const forged = listing([...rows.slice(0, 3), [0o100755, hex('c'), `${VENV}/bin/alpha\nFILE\t33188\t${hex('a')}\t${SP}/alpha/other.py`]]);
    expect(parseFiles(forged)).toHaveLength(rows.length + 1);
    expect(headerDigests(parseFiles(forged), '8', rows.length).size).toBe(0);
    // Even when the count is made to agree, a path given twice is not trusted.
    const twice = listing([...rows, [0o100644, hex('forged'), `${SP}/alpha/__init__.py`]]);
    expect(headerDigests(parseFiles(twice), '8', rows.length + 1).size).toBe(0);
  });

  it('gives none when the count of files is unknown, or a line is not a file', () => {
    expect(headerDigests(parseFiles(listing(rows)), '8', Number.NaN).size).toBe(0);
    expect(headerDigests(parseFiles(`${listing(rows)}stray line\n`), '8', rows.length + 1).size).toBe(0);
  });

  it('leaves out a digest that is not 64 hexadecimal digits', () => {
    const short = listing([[0o100644, 'abcd', `${SP}/alpha/__init__.py`]]);
    expect(headerDigests(parseFiles(short), '8', 1).size).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------
// parseScriptlets
// ---------------------------------------------------------------------------------------

describe('parseScriptlets', () => {
  // What rpm 4.18 prints for a package with %pre, %post -p /sbin/ldconfig and %triggerin -- foo.
  const RPM_418 = 'preinstall scriptlet (using /bin/sh):\necho before\ngetent group x || :\npostinstall program: /sbin/ldconfig\ntriggerin scriptlet (using /bin/sh) -- foo\npip install x\n';

  it('reads scriptlets and programs with their kinds and bodies', () => {
    const text = 'preinstall scriptlet (using /bin/sh):\necho before\necho "script: still the body"\npostinstall program: /sbin/ldconfig\npostuninstall scriptlet (using /bin/sh):\nif [ $1 -eq 0 ]; then\n  echo gone\nfi';
    const s = parseScriptlets(text);
    expect(s).toEqual([
      { kind: 'preinstall scriptlet (using /bin/sh)', body: 'echo before\necho "script: still the body"' },
      { kind: 'postinstall program', body: '/sbin/ldconfig' },
      { kind: 'postuninstall scriptlet (using /bin/sh)', body: 'if [ $1 -eq 0 ]; then\n  echo gone\nfi' },
    ]);
    expect(checkScriptlets(header({ scriptlets: s }), CTX)).toEqual([]);
  });

  it('reads the scriptlets and program of real rpm output', () => {
    const s = parseScriptlets(RPM_418);
    expect(s[0]).toEqual({ kind: 'preinstall scriptlet (using /bin/sh)', body: 'echo before\ngetent group x || :' });
    expect(s[1]?.kind).toBe('postinstall program');
    expect(s[1]?.body.split('\n')[0]).toBe('/sbin/ldconfig');
    // The trigger's pip is found, whichever scriptlet it is filed under.
    expect(rules(checkScriptlets(header({ scriptlets: s }), CTX))).toEqual(['PH206']);
  });

  it('gives nothing for a package without scriptlets', () => {
    expect(parseScriptlets('')).toEqual([]);
  });

  // rpm prints a trigger's header line without a colon: "triggerin scriptlet (using /bin/sh) --
  // foo" (rpm >= 4.13), "triggerin script (through /bin/sh) -- foo" (older rpm). SCRIPT_HEADER
  // requires ":", so the trigger is glued onto the scriptlet before it, or dropped when first.
  it('reads a trigger as its own scriptlet (rpm 4.18 format)', () => {
    const s = parseScriptlets(RPM_418);
    expect(s).toHaveLength(3);
    expect(s[1]).toEqual({ kind: 'postinstall program', body: '/sbin/ldconfig' });
    expect(s[2]?.kind).toMatch(/^triggerin scriptlet \(using \/bin\/sh\)/);
    expect(s[2]?.body.trim()).toBe('pip install x');
  });

  it('reads a trigger as its own scriptlet (older "script (through ...)" format)', () => {
    const s = parseScriptlets('postinstall program: /sbin/ldconfig\ntriggerin script (through /bin/sh) -- foo\necho trigger\n');
    expect(s.map((x) => x.kind.split(' ')[0])).toEqual(['postinstall', 'triggerin']);
  });

  it('PH206 fires for a package whose only scriptlet is a trigger running pip', () => {
    const s = parseScriptlets('triggerin scriptlet (using /bin/sh) -- foo\npip install x\n');
    expect(rules(checkScriptlets(header({ scriptlets: s }), CTX))).toEqual(['PH206']);
  });
});

// ---------------------------------------------------------------------------------------
// Modulefile rules
// ---------------------------------------------------------------------------------------

describe('checkModulefile (PH317)', () => {
  const check = (line: string): RuleId[] => rules(checkModulefile('hello-tool/1.2.0.lua', `${GOOD_MODULEFILE}${line}\n`, MODULE, VENV));

  it.each([
    ['an escaped newline', 'setenv("X", "a\\ntouch /tmp/x")'],
    ['a decimal escape below 32', "setenv('X', 'a\\010b')"],
    ['a hex escape', 'prepend_path("MANPATH", "a\\x0ab")'],
    ['a backslash-newline', 'append_path("X", "a\\\nb")'],
    ['a long string across lines', 'pushenv("X", [[a\nb]])'],
    ['a raw control character', 'set_alias("x", "a\u0007b")'],
  ])('fires for %s in a value Lmod writes into the shell', (_what, line) => {
    expect(check(line)).toEqual(['PH317']);
  });

  it.each([
    ['an escaped backslash before n', 'setenv("X", "a\\\\nb")'],
    ['a tab', 'setenv("X", "a\\tb")'],
    ['a control character in help text', 'help("line one\\nline two")'],
    ['a printable decimal escape', 'setenv("X", "\\065")'],
  ])('stays quiet for %s', (_what, line) => {
    expect(check(line)).toEqual([]);
  });
});

describe('checkModulefile (PH204, PH205)', () => {
  const check = (text: string): Finding[] => checkModulefile('hello-tool/1.2.0.lua', text, MODULE, VENV);
  const goodLines = GOOD_MODULEFILE.split('\n');
  const lineOf = (start: string): number => goodLines.findIndex((l) => l.startsWith(start)) + 1;
  const without = (start: string): string => goodLines.filter((l) => !l.startsWith(start)).join('\n');
  /** The good modulefile with `line` inserted before the line starting with `before`. */
  const inserted = (before: string, line: string): { text: string; at: number } => {
    const at = lineOf(before);
    const lines = [...goodLines];
    lines.splice(at - 1, 0, line);
    return { text: lines.join('\n'), at };
  };

  it('passes the modulefile the build writes', () => {
    expect(check(GOOD_MODULEFILE)).toEqual([]);
    expect(check(renderModulefile(ID, { ...TEXT, env: { HELLO_HOME: PREFIX, HELLO_MODE: 'fast' } }))).toEqual([]);
  });

  for (const [variable, line] of [
    ['PYTHONPATH', 'prepend_path("PYTHONPATH", "/opt/shared/lib")'],
    ['PYTHONHOME', 'setenv("PYTHONHOME", "/usr")'],
    ['PYTHONUSERBASE', 'setenv("PYTHONUSERBASE", "/opt/userbase")'],
    ['site-packages', `append_path("LUA_PATH", "${SP}")`],
  ] as const) {
    it(`PH204 fires for ${variable} at its line`, () => {
      const { text, at } = inserted('local prefix', line);
      const findings = check(text);
      expect(rules(findings)).toEqual(['PH204']);
      expect(findings[0]).toMatchObject({ file: 'hello-tool/1.2.0.lua', line: at });
      expect(findings[0]?.message).toContain(`touches ${variable}`);
    });
  }

  it('PH204 fires at the line of an appended setenv, counting from 1', () => {
    const text = `${GOOD_MODULEFILE}setenv("PYTHONPATH", "/x")\n`;
    const findings = check(text);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([['PH204', GOOD_MODULEFILE.split('\n').length]]);
  });

  it('PH204 does not fire for comments', () => {
    expect(check(inserted('load(', '-- PYTHONPATH is never set').text)).toEqual([]);
    expect(check(inserted('load(', '-- don\'t set PYTHONHOME or site-packages here').text)).toEqual([]);
    expect(check(inserted('load(', 'setenv("HELLO", "1") -- not PYTHONPATH').text)).toEqual([]);
  });

  it('PH205 fires when the interpreter module is not loaded', () => {
    const findings = check(without('load('));
    expect(rules(findings)).toEqual(['PH205']);
    expect(findings[0]?.message).toContain(`does not load ${MODULE}`);
    expect(rules(check(GOOD_MODULEFILE.replace(`load("${MODULE}")`, 'load("phoreus-python-3.10")')))).toEqual(['PH205']);
    expect(rules(check(GOOD_MODULEFILE.replace(`load("${MODULE}")`, `-- load("${MODULE}")`)))).toEqual(['PH205']);
  });

  it('PH205 accepts depends_on and a versioned module name', () => {
    expect(check(GOOD_MODULEFILE.replace(`load("${MODULE}")`, `depends_on("${MODULE}")`))).toEqual([]);
    expect(check(GOOD_MODULEFILE.replace(`load("${MODULE}")`, `load("${MODULE}/3.11.7")`))).toEqual([]);
  });

  it('PH205 fires when VIRTUAL_ENV is not set', () => {
    const findings = check(without('setenv("VIRTUAL_ENV"'));
    expect(rules(findings)).toEqual(['PH205']);
    expect(findings[0]?.message).toContain(`does not set VIRTUAL_ENV to ${VENV}`);
  });

  it('PH205 fires when the venv bin is not prepended to PATH', () => {
    const findings = check(without('prepend_path("PATH"'));
    expect(rules(findings)).toEqual(['PH205']);
    expect(findings[0]?.message).toContain(`does not prepend ${VENV}/bin to PATH`);
    expect(rules(check(GOOD_MODULEFILE.replace('prepend_path("PATH"', 'append_path("PATH"')))).toEqual(['PH205']);
  });

  it('PH205 fires twice when the prefix is another tool version\'s', () => {
    const text = renderModulefile(ID, { ...TEXT, help: 'Says hello.' }).replace(`local prefix = "${PREFIX}"`, 'local prefix = "/usr/local/phoreus/hello-tool/9.9.9"');
    expect(rules(check(text))).toEqual(['PH205', 'PH205']);
  });

  // The prefix variable's value is never read: the check is content with the venv path
  // appearing anywhere in the code, and the build's own help() text names it. A modulefile
  // copied from another version, help updated but prefix stale, activates the other venv.
  it('PH205 fires for a stale prefix even when help() names the right venv', () => {
    const text = GOOD_MODULEFILE.replace(`local prefix = "${PREFIX}"`, 'local prefix = "/usr/local/phoreus/hello-tool/9.9.9"');
    expect(text).toContain(VENV);
    expect(rules(check(text))).toEqual(['PH205', 'PH205']);
  });

  it('passes a modulefile with literal paths', () => {
    const venv = '/usr/local/phoreus/t/1/venv';
    const text = `load("${MODULE}")\nsetenv("VIRTUAL_ENV", "${venv}")\nprepend_path("PATH", "${venv}/bin")\n`;
    expect(checkModulefile('t/1.lua', text, MODULE, venv)).toEqual([]);
    const other = `load("${MODULE}")\nsetenv("VIRTUAL_ENV", "/usr/local/phoreus/t/2/venv")\nprepend_path("PATH", "/usr/local/phoreus/t/2/venv/bin")\n`;
    expect(rules(checkModulefile('t/1.lua', other, MODULE, venv))).toEqual(['PH205', 'PH205']);
  });

  it('fires all three PH205 for an empty modulefile', () => {
    expect(rules(check(''))).toEqual(['PH205', 'PH205', 'PH205']);
  });

  // The build puts the project's summary into whatis(): a summary that merely mentions
  // site-packages (or PYTHONPATH) makes the audit reject the modulefile the build itself
  // wrote, although the module touches neither.
  it('passes the build\'s modulefile when the summary mentions site-packages', () => {
    const text = renderModulefile(ID, { ...TEXT, whatis: [`Name: ${TOOL}`, 'Description: Lists what is installed in a site-packages directory'] });
    expect(check(text)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// Payload rules
// ---------------------------------------------------------------------------------------

const PYENV = '/root/.pyenv/versions';
function pythonOf(minor: string): string {
  const patch = (existsSync(PYENV) ? readdirSync(PYENV) : []).filter((v) => v.startsWith(`${minor}.`)).sort().pop();
  const python = patch ? join(PYENV, patch, 'bin', 'python') : undefined;
  if (!python || !existsSync(python)) throw new Error(`Python ${minor} is not installed under ${PYENV}`);
  return python;
}

let work: string;
const compiled: Record<string, Buffer> = {};

/** A .pyc of `source` compiled by Python `minor`, recording `dfile` as its co_filename. */
function pyc(minor: string, source: string, dfile: string): Buffer {
  const src = join(work, `src-${minor}-${Math.random().toString(36).slice(2)}.py`);
  writeFileSync(src, source);
  const out = `${src}c`;
  const r = spawnSync(pythonOf(minor), ['-c', 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3] or None, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)', src, out, dfile], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return readFileSync(out);
}

/** A shared object compiled by gcc. */
function sharedObject(name: string, source: string, extra: string[] = []): Buffer {
  writeFileSync(join(work, `${name}.c`), source);
  const r = spawnSync(requiredCommand('gcc', 'gcc'), ['-shared', '-fPIC', '-o', name, `${name}.c`, ...extra], { cwd: work, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return readFileSync(join(work, name));
}

const INIT_PY = 'VALUE = 1\n\ndef main():\n    print("alpha", VALUE)\n';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'audit-rules-'));
  compiled.good = pyc('3.11', INIT_PY, `${SP}/alpha/__init__.py`);
  compiled.py310 = pyc('3.10', INIT_PY, `${SP}/alpha/__init__.py`);
  compiled.elsewhere = pyc('3.11', INIT_PY, '/home/runner/work/hello/build/venv/lib/python3.11/site-packages/alpha/__init__.py');
  compiled.plain = sharedObject('_speedups.so', 'int speed(void) { return 1; }\n');
  compiled.arc4 = sharedObject('_random.so', '#include <stdlib.h>\nunsigned int draw(void) { return arc4random(); }\n');
  compiled.libfoo = sharedObject('libfoo.so.1', 'int foo(void) { return 41; }\n', ['-Wl,-soname,libfoo.so.1']);
  spawnSync('ln', ['-sf', 'libfoo.so.1', 'libfoo.so'], { cwd: work });
  compiled.usesfoo = sharedObject('_usesfoo.so', 'int foo(void);\nint bar(void) { return foo() + 1; }\n', ['-L', work, '-lfoo']);
  compiled.rpath = sharedObject('_rpath.so', 'int r(void) { return 1; }\n', ['-Wl,-rpath,/tmp/build/lib']);
  compiled.origin = sharedObject('_origin.so', 'int o(void) { return 1; }\n', ['-Wl,--enable-new-dtags,-rpath,$ORIGIN/../alpha.libs']);
  compiled.buildrootPyc = pyc('3.11', INIT_PY, `/home/builder/rpmbuild/BUILDROOT/phoreus-hello-tool-1.2.0-1.el9.x86_64${SP}/alpha/__init__.py`);
  compiled.hostPython = sharedObject('_host.so', 'int h(void) { return 1; }\n', ['-Wl,--enable-new-dtags,-rpath,/root/.pyenv/versions/3.11.9/lib']);
  compiled.systemRpath = sharedObject('_system.so', 'int s(void) { return 1; }\n', ['-Wl,-rpath,/usr/lib64:/usr/local/phoreus/python/3.11/lib']);
  compiled.relativeRpath = sharedObject('_relative.so', 'int l(void) { return 1; }\n', ['-Wl,-rpath,lib']);
  compiled.upstreamRpath = sharedObject('_upstream.so', 'int u(void) { return 1; }\n', ['-Wl,--enable-new-dtags,-rpath,/opt/_internal/cpython-3.11.13/lib/python3.11/site-packages/scipy_openblas32/lib']);
  // i386 files without the C library (this machine has no 32-bit one): they only need to be ELF for another machine.
  compiled.i386bar = sharedObject('libbar.so', 'int bar(void) { return 2; }\n', ['-m32', '-nostdlib', '-Wl,-soname,libbar.so']);
  compiled.i386solver = sharedObject('libcbc.so', 'int bar(void);\nint solve(void) { return bar(); }\n', ['-m32', '-nostdlib', '-L', work, '-lbar']);
  compiled.i386foo = sharedObject('libfoo-i386.so', 'int foo(void) { return 41; }\n', ['-m32', '-nostdlib', '-Wl,-soname,libfoo.so.1']);
  compiled.i386program = sharedObject('cbc', 'int main(void) { return 0; }\n', ['-m32', '-nostdlib', '-static', '-e', 'main']);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

type Payload = Map<string, CpioEntry>;

const file = (p: Payload, path: string, data: string | Buffer, mode = 0o100644): void => {
  p.set(path, { name: path.slice(1), mode, data: Buffer.from(data) });
};
const link = (p: Payload, path: string, target: string): void => {
  p.set(path, { name: path.slice(1), mode: 0o120777, data: Buffer.from(target) });
};
const dir = (p: Payload, path: string): void => {
  p.set(path, { name: path.slice(1), mode: 0o040755, data: Buffer.alloc(0) });
};

/** RECORD's digest: urlsafe base64 of the sha256, without padding. */
const recordDigest = (data: Buffer): string => createHash('sha256').update(data).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const sha256hex = (text: string): string => createHash('sha256').update(text).digest('hex');

function lockText(pins: string[]): string {
  const header = '#\n# This file is autogenerated by pip-compile with Python 3.11\n# by the following command:\n#\n#    pip-compile --allow-unsafe --generate-hashes --output-file=requirements.lock requirements.in\n#\n';
  return header + pins.map((pin) => `${pin} \\\n    --hash=sha256:${sha256hex(pin)}\n    # via -r requirements.in\n`).join('');
}

const PYVENV = 'home = /usr/local/phoreus/python/3.11/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n';
const SCRIPT = `#!${VENV}/bin/python\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom alpha import main\nif __name__ == "__main__":\n    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])\n    sys.exit(main())\n`;

/** A minimal good venv, without RECORD (see seal). */
function basePayload(): Payload {
  const p: Payload = new Map();
  for (const d of [`/usr/local/phoreus/${TOOL}`, PREFIX, VENV, `${VENV}/bin`, `${VENV}/lib`, `${VENV}/lib/python3.11`, SP, `${SP}/alpha`, `${SP}/alpha/__pycache__`, `${SP}/alpha-1.0.dist-info`, `/usr/local/phoreus/modulefiles/${TOOL}`]) dir(p, d);
  file(p, `${VENV}/pyvenv.cfg`, PYVENV);
  link(p, `${VENV}/lib64`, 'lib');
  link(p, `${VENV}/bin/python3.11`, '/usr/local/phoreus/python/3.11/bin/python3.11');
  link(p, `${VENV}/bin/python3`, 'python3.11');
  link(p, `${VENV}/bin/python`, 'python3.11');
  file(p, `${VENV}/bin/alpha`, SCRIPT, 0o100755);
  file(p, `${VENV}/bin/activate`, '# This file must be used with "source bin/activate" *from bash*\nVIRTUAL_ENV="/usr/local/phoreus/hello-tool/1.2.0/venv"\n');
  file(p, LOCK, lockText(['alpha==1.0']));
  file(p, `${SP}/alpha/__init__.py`, INIT_PY);
  file(p, `${SP}/alpha/__pycache__/__init__.cpython-311.pyc`, compiled.good as Buffer);
  file(p, `${SP}/alpha-1.0.dist-info/METADATA`, 'Metadata-Version: 2.1\nName: alpha\nVersion: 1.0\nSummary: The first letter\n');
  file(p, `${SP}/alpha-1.0.dist-info/INSTALLER`, 'pip\n');
  file(p, `${SP}/alpha-1.0.dist-info/WHEEL`, 'Wheel-Version: 1.0\nGenerator: bdist_wheel (0.42.0)\nRoot-Is-Purelib: true\nTag: py3-none-any\n');
  file(p, MODULEFILE, GOOD_MODULEFILE);
  return p;
}

/** The rows pip writes into alpha's RECORD for what the payload now holds, in order. */
function recordRows(p: Payload): string[] {
  const rows: string[] = [];
  for (const [path, e] of p) {
    if ((e.mode & 0o170000) !== 0o100000) continue;
    if (path.startsWith(`${SP}/alpha/`) || (path.startsWith(`${SP}/alpha-1.0.dist-info/`) && !path.endsWith('/RECORD'))) {
      rows.push(`${path.slice(SP.length + 1)},sha256=${recordDigest(e.data)},${e.data.length}`);
    }
  }
  rows.push(`../../../bin/alpha,sha256=${recordDigest(p.get(`${VENV}/bin/alpha`)?.data ?? Buffer.alloc(0))},${p.get(`${VENV}/bin/alpha`)?.data.length ?? 0}`);
  rows.push('alpha-1.0.dist-info/RECORD,,');
  return rows;
}

const RECORD = `${SP}/alpha-1.0.dist-info/RECORD`;

function seal(p: Payload): void {
  file(p, RECORD, `${recordRows(p).join('\n')}\n`);
}

const PAYLOAD_CTX: PayloadContext = {
  tool: TOOL,
  version: VERSION,
  interpreter: '3.11',
  interpreterHome: '/usr/local/phoreus/python/3.11',
  interpreterModule: MODULE,
  distro: distro('el9'),
  arch: 'x86_64',
  buildPaths: ['/srv/ci/job-42'],
};

/**
 * Audits the good venv after `change` (before RECORD is written, so RECORD agrees with it)
 * and `after` (after RECORD is written, so RECORD does not know of it).
 */
function auditPayload(change?: (p: Payload) => void, after?: (p: Payload) => void, ctx: Partial<PayloadContext> = {}): Finding[] {
  const p = basePayload();
  change?.(p);
  seal(p);
  after?.(p);
  const auditor = new PayloadAuditor({ ...PAYLOAD_CTX, ...ctx });
  feed(auditor, p.values(), ctx.buildPaths ?? PAYLOAD_CTX.buildPaths);
  return auditor.finish();
}

/**
 * Feeds entries to the auditor as the audit does (payload-files.ts): each regular file with
 * its digest, as the header gives it, in pieces of an odd size, so that what is found across
 * the seams of pieces is found here too, and no more pieces once its reader declines them (its
 * bytes are then read in place); every piece in one buffer, spoiled once read, as the payload
 * stream reads into one buffer again and again, so that a reader that keeps a piece instead of
 * a copy is caught. Returns how many bytes of each file its reader was given.
 */
function feed(auditor: PayloadAuditor, entries: Iterable<CpioEntry>, buildPaths: readonly string[] = [], piece = 997): Map<string, number> {
  const sink = {
    readsWhole: (name: string) => auditor.readsWhole(name), compiledFrom: (name: string) => auditor.compiledFrom(name),
    isVerbatim: (name: string, sha256: string | undefined) => auditor.isVerbatim(name, sha256),
    whole: (e: CpioEntry) => auditor.add(e), streamed: (f: StreamedFile) => auditor.addStreamed(f),
  };
  const limits = { limit: 32 << 20, gather: new Gatherers(), buildPaths };
  const buffer = Buffer.alloc(piece);
  const given = new Map<string, number>();
  for (const e of entries) {
    const sha256 = (e.mode & 0o170000) === 0o100000 ? recordDigest(e.data) : undefined;
    const reader = entryReader({ name: e.name, mode: e.mode, size: e.data.length, offset: 0 }, { sha256: () => sha256, bytes: () => bufferSource(e.data) }, sink, limits);
    let at = 0;
    while (at < e.data.length) {
      const n = e.data.copy(buffer, 0, at, at + piece);
      at += n;
      const wanted = reader.data(buffer.subarray(0, n));
      buffer.fill(0xa5);
      if (wanted === false) break;
    }
    given.set(e.name, at);
    reader.end();
  }
  return given;
}

const summary = (findings: readonly Finding[]): string[] => findings.map((f) => `${f.rule} ${f.file}:${f.line}`);

describe('PayloadAuditor on a good venv', () => {
  it('finds nothing wrong', () => {
    expect(summary(auditPayload())).toEqual([]);
  });

  it('reads bytecode until its first bytes and its source path are read, and declines the rest', () => {
    const path = `${SP}/alpha/__pycache__/table.cpython-311.pyc`;
    // A function first, so its co_filename comes early; a table after.
    const bytecode = pyc('3.11', `def f():\n    return 1\n\nTABLE = ${JSON.stringify(Array.from({ length: 3000 }, (_, i) => `row-${i}`))}\n`, `${SP}/alpha/table.py`);
    const p = basePayload();
    file(p, `${SP}/alpha/table.py`, 'the source\n');
    file(p, path, bytecode);
    seal(p);
    const auditor = new PayloadAuditor(PAYLOAD_CTX);
    const given = feed(auditor, p.values());
    expect(bytecode.length).toBeGreaterThan(4 * 997);
    expect(given.get(path.slice(1))).toBe(997);
    expect(bytecode.indexOf(`${SP}/alpha/table.py`)).toBeLessThan(997);
    expect(auditor.finish()).toEqual([]);
  });

  it('reads a file a RECORD read before it lists, as installed, no further than its first bytes: its build paths are not judged', () => {
    const data = `${'# padding\n'.repeat(300)}ROOT = "/home/runner/work/x"\n`;
    const path = `${SP}/alpha/data.py`;
    const p = basePayload();
    file(p, path, data);
    seal(p);
    const record = p.get(RECORD) as CpioEntry;
    const auditor = new PayloadAuditor(PAYLOAD_CTX);
    // The RECORD first, as rpm orders "alpha-1.0.dist-info/" before "alpha/".
    const given = feed(auditor, [record, ...[...p.values()].filter((e) => e !== record)]);
    expect(given.get(path.slice(1))).toBe(997);
    expect(auditor.finish()).toEqual([]);
    // After the RECORD it is searched, and the verdict is the same.
    const after = new PayloadAuditor(PAYLOAD_CTX);
    expect(feed(after, p.values()).get(path.slice(1))).toBe(data.length);
    expect(after.finish()).toEqual([]);
  });

  it('PH312: bytecode a RECORD lists, changed after, whether the RECORD comes before it or after', () => {
    const pyc = `${SP}/alpha/__pycache__/__init__.cpython-311.pyc`;
    for (const order of ['archive', 'reversed'] as const) {
      const p = basePayload();
      seal(p);
      file(p, pyc, Buffer.concat([compiled.good as Buffer, Buffer.from('\0')]));
      const auditor = new PayloadAuditor(PAYLOAD_CTX);
      feed(auditor, order === 'archive' ? p.values() : [...p.values()].reverse());
      expect(summary(auditor.finish()), order).toEqual([`PH312 ${pyc}:1`]);
    }
  });

  it('finds nothing wrong whatever the order of the entries', () => {
    const p = basePayload();
    seal(p);
    const auditor = new PayloadAuditor(PAYLOAD_CTX);
    feed(auditor, [...p.values()].reverse());
    expect(auditor.finish()).toEqual([]);
  });

  it('counts the entries and the bytes of regular files', () => {
    const p = basePayload();
    seal(p);
    const auditor = new PayloadAuditor(PAYLOAD_CTX);
    feed(auditor, p.values());
    const bytes = [...p.values()].filter((e) => (e.mode & 0o170000) === 0o100000).reduce((n, e) => n + e.data.length, 0);
    expect(auditor.stats).toEqual({ files: p.size, bytes });
  });

  it('knows its paths', () => {
    const auditor = new PayloadAuditor(PAYLOAD_CTX);
    expect([auditor.prefix, auditor.venv, auditor.sitePackages, auditor.modulefile]).toEqual([PREFIX, VENV, SP, MODULEFILE]);
  });

  it('passes the application\'s own distribution, which is not in the lock', () => {
    const findings = auditPayload((p) => {
      file(p, `${SP}/hello_tool-1.2.0.dist-info/METADATA`, 'Metadata-Version: 2.1\nName: hello_tool\nVersion: 1.2.0\n');
      file(p, `${SP}/hello_tool-1.2.0.dist-info/RECORD`, 'hello_tool-1.2.0.dist-info/METADATA,,\nhello_tool-1.2.0.dist-info/RECORD,,\n');
    });
    expect(summary(findings)).toEqual([]);
  });

  it('checks the modulefile written beside the RPM too', () => {
    const p = basePayload();
    seal(p);
    const auditor = new PayloadAuditor(PAYLOAD_CTX);
    feed(auditor, p.values());
    const findings = auditor.finish({ file: '1.2.0.lua', text: `${GOOD_MODULEFILE}setenv("PYTHONHOME", "/usr")\n` });
    expect(summary(findings)).toEqual([`PH204 1.2.0.lua:${GOOD_MODULEFILE.split('\n').length}`]);
  });
});

describe('PayloadAuditor: one thing wrong at a time', () => {
  it('PH301: a file outside the prefix', () => {
    const findings = auditPayload((p) => file(p, '/usr/bin/hello', '#!/bin/sh\nexec hello\n', 0o100755));
    expect(summary(findings)).toEqual(['PH301 /usr/bin/hello:1']);
  });

  it('PH301: a file beside the prefix, a look-alike prefix and another version\'s modulefile', () => {
    const findings = auditPayload((p) => {
      file(p, `/usr/local/phoreus/${TOOL}/README`, 'x');
      file(p, `${PREFIX}-old/x`, 'x');
      file(p, `/usr/local/phoreus/modulefiles/${TOOL}/9.9.lua`, GOOD_MODULEFILE);
      dir(p, '/usr/local/phoreus/other-tool');
    });
    expect(only(findings, 'PH301').map((f) => f.file).sort()).toEqual([`${PREFIX}-old/x`, `/usr/local/phoreus/${TOOL}/README`, `/usr/local/phoreus/modulefiles/${TOOL}/9.9.lua`, '/usr/local/phoreus/other-tool'].sort());
  });

  it('PH302: include-system-site-packages = true', () => {
    const findings = auditPayload((p) => file(p, `${VENV}/pyvenv.cfg`, PYVENV.replace('= false', '= true')));
    expect(summary(findings)).toEqual([`PH302 ${VENV}/pyvenv.cfg:2`]);
    expect(findings[0]?.message).toContain('"true"');
  });

  it('PH302: no pyvenv.cfg', () => {
    const findings = auditPayload((p) => p.delete(`${VENV}/pyvenv.cfg`));
    expect(summary(findings)).toEqual([`PH302 ${VENV}/pyvenv.cfg:1`]);
  });

  it('PH303: a .pth adding a path outside the venv', () => {
    const pth = `${SP}/shared.pth`;
    const findings = auditPayload((p) => file(p, pth, '# shared modules\n/usr/lib/python3.11/site-packages\nalpha_extra\n'));
    expect(summary(findings)).toEqual([`PH303 ${pth}:2`]);
    expect(findings[0]?.message).toContain('/usr/lib/python3.11/site-packages');
  });

  it('PH303: a .pth escaping by ../ or by code, and a sitecustomize.py', () => {
    const findings = auditPayload((p) => {
      file(p, `${SP}/up.pth`, '../../../../../../opt/shared\n');
      file(p, `${SP}/code.pth`, 'import sys; sys.path.append("/opt/shared/lib")\n');
      file(p, `${SP}/sitecustomize.py`, 'import site\n\nsite.addsitedir("/opt/site")\n');
    });
    expect(summary(only(findings, 'PH303')).sort()).toEqual([`PH303 ${SP}/code.pth:1`, `PH303 ${SP}/sitecustomize.py:3`, `PH303 ${SP}/up.pth:1`]);
  });

  it('PH303 does not fire for setuptools\' distutils-precedence.pth or paths inside the venv', () => {
    const findings = auditPayload((p) => {
      file(p, `${SP}/distutils-precedence.pth`, "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n");
      file(p, `${SP}/inside.pth`, `alpha_extra\n${VENV}/src/alpha-plugin\n../../../src\n`);
    });
    expect(only(findings, 'PH303')).toEqual([]);
  });

  it('PH304: the exec form running /usr/bin/python3', () => {
    const script = `#!/bin/sh\n'''exec' /usr/bin/python3 "$0" "$@"\n' '''\nimport sys\nfrom alpha import main\nsys.exit(main())\n`;
    const findings = auditPayload((p) => file(p, `${VENV}/bin/alpha`, script, 0o100755));
    expect(summary(findings)).toEqual([`PH304 ${VENV}/bin/alpha:2`]);
    expect(findings[0]?.message).toContain('/usr/bin/python3 is outside the venv');
  });

  it('PH304: env python3, a relative #!python and a system python', () => {
    const findings = auditPayload((p) => {
      file(p, `${VENV}/bin/a1`, '#!/usr/bin/env python3\nprint(1)\n', 0o100755);
      file(p, `${VENV}/bin/a2`, '#!python\nprint(2)\n', 0o100755);
      file(p, `${VENV}/bin/a3`, '#!/usr/bin/python3.11 -s\nprint(3)\n', 0o100755);
    });
    expect(summary(findings).sort()).toEqual([`PH304 ${VENV}/bin/a1:1`, `PH304 ${VENV}/bin/a2:1`, `PH304 ${VENV}/bin/a3:1`]);
    expect(findings.find((f) => f.file.endsWith('/a1'))?.message).toContain('picks whatever python is first on PATH');
    expect(findings.find((f) => f.file.endsWith('/a2'))?.message).toContain('relative path');
  });

  it('PH304 does not fire for the venv\'s exec form or shell scripts', () => {
    const findings = auditPayload((p) => {
      file(p, `${VENV}/bin/long`, `#!/bin/sh\n'''exec' "${VENV}/bin/python3.11" "$0" "$@"\n' '''\nprint(1)\n`, 0o100755);
      file(p, `${VENV}/bin/helper`, '#!/bin/bash\nexec "$@"\n', 0o100755);
      file(p, `${VENV}/bin/abs`, `#!${VENV}/bin/python3.11 -E\nprint(1)\n`, 0o100755);
    });
    expect(only(findings, 'PH304')).toEqual([]);
  });

  // "env -S" splits the rest of the line into arguments: "-S" is the first word after env,
  // and the python that env then looks up on PATH goes unnoticed.
  it('PH304 fires for #!/usr/bin/env -S python3 -u', () => {
    const findings = auditPayload((p) => file(p, `${VENV}/bin/unbuffered`, '#!/usr/bin/env -S python3 -u\nprint(1)\n', 0o100755));
    expect(summary(findings)).toEqual([`PH304 ${VENV}/bin/unbuffered:1`]);
  });

  it('PH305: a symlink into /BUILDROOT/', () => {
    const path = `${SP}/alpha_data`;
    const findings = auditPayload((p) => link(p, path, `/home/u/rpmbuild/BUILDROOT/phoreus-${TOOL}-${VERSION}-1.el9.x86_64${SP}/alpha`));
    expect(summary(findings)).toEqual([`PH305 ${path}:1`]);
    expect(findings[0]?.message).toContain('/BUILDROOT/');
  });

  it('PH305: a text file naming /home/runner/work/ that no RECORD covers', () => {
    const path = `${SP}/alpha_build.txt`;
    const findings = auditPayload(undefined, (p) => file(p, path, 'built in /home/runner/work/hello/hello/build\n'));
    expect(summary(findings)).toEqual([`PH305 ${path}:1`]);
    expect(findings[0]?.message).toContain('/home/runner/work/');
  });

  it('PH305: the literal build path of this build, and a pip temporary directory', () => {
    const findings = auditPayload(undefined, (p) => {
      file(p, `${PREFIX}/notes.txt`, 'from /srv/ci/job-42/wheels\n');
      file(p, `${VENV}/share/x.txt`, 'overlay /tmp/pip-build-env-abc123/overlay\n');
    });
    expect(summary(findings).sort()).toEqual([`PH305 ${PREFIX}/notes.txt:1`, `PH305 ${VENV}/share/x.txt:1`]);
    expect(findings.find((f) => f.file.endsWith('notes.txt'))?.message).toContain('/srv/ci/job-42');
    expect(findings.find((f) => f.file.endsWith('x.txt'))?.message).toContain('/tmp/pip-build-env-');
  });

  it('PH305 does not fire for a file shipped as its RECORD row says, build path or not', () => {
    const findings = auditPayload((p) => file(p, `${SP}/alpha/paths.txt`, 'upstream built this in /home/runner/work/alpha/alpha\n'));
    expect(summary(findings)).toEqual([]);
  });

  it('PH305 fires for a RECORD-covered file in bin/, which pip rewrites', () => {
    const findings = auditPayload((p) => file(p, `${VENV}/bin/alpha`, SCRIPT.replace('import re', '# built in /home/runner/work/alpha\nimport re'), 0o100755));
    expect(summary(findings)).toEqual([`PH305 ${VENV}/bin/alpha:1`]);
  });

  it('PH305: a .pyc compiled for the build path, not the installed one', () => {
    const path = `${SP}/alpha/__pycache__/__init__.cpython-311.pyc`;
    const findings = auditPayload((p) => file(p, path, compiled.elsewhere as Buffer));
    expect(summary(findings)).toEqual([`PH305 ${path}:1`]);
    expect(findings[0]?.message).toContain('/home/runner/work/hello/build/venv/lib/python3.11/site-packages/alpha/__init__.py');
  });

  it('PH305: a .pyc whose co_filename is a BUILDROOT path ending in the installed one', () => {
    const path = `${SP}/alpha/__pycache__/__init__.cpython-311.pyc`;
    const findings = auditPayload((p) => file(p, path, compiled.buildrootPyc as Buffer));
    expect(summary(findings)).toEqual([`PH305 ${path}:1`]);
    expect(findings[0]?.message).toContain(`/home/builder/rpmbuild/BUILDROOT/phoreus-hello-tool-1.2.0-1.el9.x86_64${SP}/alpha/__init__.py, not exactly ${SP}/alpha/__init__.py`);
  });

  it('PH305: a direct_url.json naming a file: URL, though RECORD lists it; not a URL of an index', () => {
    const path = `${SP}/alpha-1.0.dist-info/direct_url.json`;
    const findings = auditPayload((p) => file(p, path, '{"archive_info": {}, "url": "file:///tmp/tmpk2x9/alpha-1.0-py3-none-any.whl"}'));
    expect(summary(findings)).toEqual([`PH305 ${path}:1`]);
    expect(findings[0]?.message).toContain('file:///tmp/tmpk2x9/alpha-1.0-py3-none-any.whl');
    expect(findings[0]?.message).toContain('install it by name from a wheelhouse');
    expect(auditPayload((p) => file(p, path, '{"archive_info": {}, "url": "https://files.example.org/alpha-1.0-py3-none-any.whl"}'))).toEqual([]);
    expect(auditPayload((p) => file(p, path, 'not json'))).toEqual([]);
  });

  it('PH312: a distribution without RECORD', () => {
    const dist = `${SP}/alpha-1.0.dist-info`;
    const findings = auditPayload(undefined, (p) => p.delete(RECORD));
    expect(summary(findings)).toEqual([`PH312 ${dist}:1`]);
    expect(findings[0]?.message).toContain('alpha-1.0.dist-info has no RECORD');
  });

  it('PH304 does not fire for the venv\'s python named with "//" or "/./"', () => {
    for (const shebang of [`#!/${VENV}/bin/python`, `#!${VENV.replace('/venv', '/./venv')}//bin/python`, `#!${VENV}/lib/../bin/python3.11`]) {
      expect(auditPayload((p) => file(p, `${VENV}/bin/alpha`, SCRIPT.replace(/^#!.*$/m, shebang), 0o100755)), shebang).toEqual([]);
    }
  });

  it('PH304 judges ".." as the kernel does, through the payload\'s own directory links', () => {
    const climbs = auditPayload((p) => file(p, `${VENV}/bin/alpha`, SCRIPT.replace(/^#!.*$/m, `#!${VENV}/bin/../../../../../../../usr/bin/python3`), 0o100755));
    expect(summary(climbs)).toEqual([`PH304 ${VENV}/bin/alpha:1`]);
    expect(climbs[0]?.message).toContain('(that is, /usr/bin/python3) is outside the venv');
    // bin/sys/.. is /usr, not bin: the text alone would say venv/bin/python.
    const linked = auditPayload((p) => {
      link(p, `${VENV}/bin/sys`, '/usr/bin');
      file(p, `${VENV}/bin/alpha`, SCRIPT.replace(/^#!.*$/m, `#!${VENV}/bin/sys/../python`), 0o100755);
    });
    expect(summary(linked)).toEqual([`PH304 ${VENV}/bin/alpha:1`]);
    expect(linked[0]?.message).toContain('(that is, /usr/python)');
  });

  it('PH306: pyvenv.cfg home is not the target interpreter', () => {
    const findings = auditPayload((p) => file(p, `${VENV}/pyvenv.cfg`, PYVENV.replace('/usr/local/phoreus/python/3.11/bin', '/usr/bin')));
    expect(summary(findings)).toEqual([`PH306 ${VENV}/pyvenv.cfg:1`]);
    expect(findings[0]?.message).toContain('home is /usr/bin');
  });

  it('PH306: bin/python3.11 leads elsewhere, and so do the links to it', () => {
    const findings = auditPayload((p) => link(p, `${VENV}/bin/python3.11`, '/usr/bin/python3.11'));
    expect(summary(findings).sort()).toEqual([`PH306 ${VENV}/bin/python3.11:1`, `PH306 ${VENV}/bin/python3:1`, `PH306 ${VENV}/bin/python:1`].sort());
    expect(findings.find((f) => f.file === `${VENV}/bin/python`)?.message).toContain('leads to /usr/bin/python3.11');
  });

  it('PH306 follows relative links within bin/ to the target interpreter', () => {
    const findings = auditPayload((p) => {
      link(p, `${VENV}/bin/python3`, 'python');
      link(p, `${VENV}/bin/python`, './python3.11');
    });
    expect(only(findings, 'PH306')).toEqual([]);
  });

  it('PH306 fires for a relative link within bin/ to a file that is not the interpreter', () => {
    const findings = auditPayload((p) => link(p, `${VENV}/bin/python3`, 'python3.10'));
    expect(summary(findings)).toEqual([`PH306 ${VENV}/bin/python3:1`]);
    expect(findings[0]?.message).toContain(`leads to ${VENV}/bin/python3.10`);
  });

  // checkPythonLinks resolves the last relative target twice: once against the link's own
  // directory (current), then again against dirname(current). A relative link out of bin/
  // that is right (realpath: /usr/local/phoreus/python/3.11/bin/python3.11) is reported as
  // leading to /usr/local/python/3.11/bin/python3.11.
  it('PH306 follows a relative link out of bin/ to the target interpreter', () => {
    const findings = auditPayload((p) => {
      link(p, `${VENV}/bin/python3.11`, '../../../../python/3.11/bin/python3.11');
    });
    expect(only(findings, 'PH306')).toEqual([]);
  });

  it('PH307: Python 3.10 bytecode named .cpython-311.pyc', () => {
    const path = `${SP}/alpha/__pycache__/__init__.cpython-311.pyc`;
    const findings = auditPayload((p) => file(p, path, compiled.py310 as Buffer));
    const ph307 = only(findings, 'PH307');
    expect(ph307.map((f) => f.file)).toContain(path);
    expect(ph307.find((f) => f.file === path)?.message).toContain('Python 3.10');
    expect(ph307.find((f) => f.file === VENV)?.message).toContain('several interpreters (3.10, 3.11)');
    expect(rules(findings).filter((r) => r !== 'PH307')).toEqual([]);
  });

  it('PH307: bytecode a waiver accepts does not make the venv one of several interpreters', () => {
    const path = `${SP}/alpha/fixtures/old.cpython-310.pyc`;
    const findings = auditPayload((p) => file(p, path, compiled.py310 as Buffer), undefined, {
      waivers: [{ rule: 'PH307', path: 'lib/python3.11/site-packages/alpha/fixtures/*.pyc', reason: 'test data read as bytes', file: 'phoreus.yaml', line: 2 }],
    });
    expect(summary(findings)).toEqual([`PH307 ${path}:1`]);
    expect(findings[0]?.waived?.reason).toBe('test data read as bytes');
  });

  it('PH307: 3.11 bytecode under another interpreter\'s tag, and a file that is not bytecode', () => {
    const findings = auditPayload((p) => {
      file(p, `${SP}/alpha/__pycache__/__init__.cpython-310.pyc`, compiled.good as Buffer);
      file(p, `${SP}/alpha/__pycache__/junk.cpython-311.pyc`, 'not bytecode at all');
    });
    const files = only(findings, 'PH307').map((f) => f.file);
    expect(files).toContain(`${SP}/alpha/__pycache__/__init__.cpython-310.pyc`);
    expect(files).toContain(`${SP}/alpha/__pycache__/junk.cpython-311.pyc`);
  });

  it('PH308: a distribution installed but not in the lock', () => {
    const findings = auditPayload((p) => {
      file(p, `${SP}/beta-2.0.dist-info/METADATA`, 'Metadata-Version: 2.1\nName: beta\nVersion: 2.0\n');
      file(p, `${SP}/beta-2.0.dist-info/RECORD`, 'beta-2.0.dist-info/METADATA,,\nbeta-2.0.dist-info/RECORD,,\n');
    });
    expect(summary(findings)).toEqual([`PH308 ${SP}/beta-2.0.dist-info:1`]);
    expect(findings[0]?.message).toContain('beta 2.0 is installed but not in requirements.lock');
  });

  it('PH308: a locked distribution not installed', () => {
    const findings = auditPayload((p) => file(p, LOCK, lockText(['alpha==1.0', 'Gamma_Pkg==3.0'])));
    expect(summary(findings)).toEqual([`PH308 ${LOCK}:1`]);
    expect(findings[0]?.message).toContain('Gamma_Pkg==3.0 is in the lock but not installed');
  });

  it('PH308 does not fire for a locked distribution whose marker excludes the target', () => {
    const findings = auditPayload((p) => file(p, LOCK, lockText(['alpha==1.0', 'tomli==2.0.1 ; python_version < "3.11"'])));
    expect(summary(findings)).toEqual([]);
  });

  it('PH308: another version installed than the lock pins', () => {
    const findings = auditPayload((p) => file(p, `${SP}/alpha-1.0.dist-info/METADATA`, 'Metadata-Version: 2.1\nName: alpha\nVersion: 1.1\n'));
    expect(summary(findings)).toEqual([`PH308 ${SP}/alpha-1.0.dist-info:1`]);
    expect(findings[0]?.message).toContain('alpha 1.1 is installed but the lock pins 1.0');
  });

  it('PH308: no lock shipped', () => {
    const findings = auditPayload((p) => p.delete(LOCK));
    expect(summary(findings)).toEqual([`PH308 ${LOCK}:1`]);
  });

  it('PH312: a file changed after pip installed it', () => {
    const path = `${SP}/alpha/__init__.py`;
    const findings = auditPayload(undefined, (p) => file(p, path, `${INIT_PY}# edited\n`));
    expect(summary(findings)).toEqual([`PH312 ${path}:1`]);
    expect(findings[0]?.message).toContain('line 1 of');
  });

  it('PH312: a file listed in RECORD but not shipped', () => {
    const path = `${SP}/alpha/__init__.py`;
    let row = 0;
    const findings = auditPayload(undefined, (p) => {
      row = (p.get(RECORD)?.data.toString().split('\n').findIndex((l) => l.startsWith('alpha/__init__.py,')) ?? -1) + 1;
      p.delete(path);
    });
    expect(row).toBeGreaterThan(0);
    expect(summary(findings)).toEqual([`PH312 ${RECORD}:${row}`]);
    expect(findings[0]?.message).toContain(`${path} is listed in RECORD but not shipped`);
  });

  it('PH312 caps at 25 findings and says how many more there were', () => {
    const findings = auditPayload(
      (p) => { for (let i = 0; i < 30; i++) file(p, `${SP}/alpha/m${i}.py`, `X = ${i}\n`); },
      (p) => { for (let i = 0; i < 30; i++) file(p, `${SP}/alpha/m${i}.py`, `X = ${i + 100}\n`); },
    );
    const ph312 = only(findings, 'PH312');
    expect(ph312).toHaveLength(26);
    expect(ph312.slice(0, 25).every((f) => /\/alpha\/m\d+\.py$/.test(f.file))).toBe(true);
    expect(ph312[25]).toMatchObject({ file: VENV, line: 1 });
    expect(ph312[25]?.message).toContain('5 more PH312 findings');
    expect(rules(findings).filter((r) => r !== 'PH312')).toEqual([]);
  });

  it('PH205: no modulefile in the payload, and PH204 in the one shipped', () => {
    expect(summary(auditPayload((p) => p.delete(MODULEFILE)))).toEqual([`PH205 ${MODULEFILE}:1`]);
    expect(summary(auditPayload((p) => file(p, MODULEFILE, `${GOOD_MODULEFILE}prepend_path("PYTHONPATH", "${SP}")\n`)))).toEqual([
      `PH204 ${MODULEFILE}:${GOOD_MODULEFILE.split('\n').length}`,
    ]);
  });
});

describe('PayloadAuditor on ELF files', () => {
  it('passes a plain extension module', () => {
    expect(summary(auditPayload((p) => file(p, `${SP}/alpha/_speedups.so`, compiled.plain as Buffer, 0o100755)))).toEqual([]);
  });

  it('PH309: an extension module for another architecture', () => {
    const path = `${SP}/alpha/_speedups.so`;
    const findings = auditPayload((p) => file(p, path, compiled.plain as Buffer, 0o100755), undefined, { arch: 'aarch64' });
    expect(summary(only(findings, 'PH309'))).toEqual([`PH309 ${path}:1`]);
  });

  it('PH309: an extension module needing GLIBC_2.36 on el9, but not on fedora-41', () => {
    const path = `${SP}/alpha/_random.so`;
    const findings = auditPayload((p) => file(p, path, compiled.arc4 as Buffer, 0o100755));
    expect(summary(findings)).toEqual([`PH309 ${path}:1`]);
    expect(findings[0]?.message).toContain('GLIBC_2.36');
    expect(auditPayload((p) => file(p, path, compiled.arc4 as Buffer, 0o100755), undefined, { distro: distro('fedora-41') })).toEqual([]);
  });

  it('PH310: a needed library from outside the venv, unless the venv ships it', () => {
    const path = `${SP}/alpha/_usesfoo.so`;
    const findings = auditPayload((p) => file(p, path, compiled.usesfoo as Buffer, 0o100755));
    expect(summary(findings)).toEqual([`PH310 ${path}:1`]);
    expect(findings[0]).toMatchObject({ severity: 'warning' });
    expect(findings[0]?.message).toContain('libfoo.so.1');
    const shipped = auditPayload((p) => {
      file(p, path, compiled.usesfoo as Buffer, 0o100755);
      file(p, `${SP}/alpha.libs/libfoo-1a2b3c.so.1`, compiled.libfoo as Buffer, 0o100755);
    });
    expect(summary(shipped)).toEqual([]);
  });

  it('reads an ELF file in place: its reader declines what follows its first piece, and still finds what it needs', () => {
    const path = `${SP}/alpha/_usesfoo.so`;
    const elf = compiled.usesfoo as Buffer;
    expect(elf.length).toBeGreaterThan(4 * 997);
    const p = basePayload();
    file(p, path, elf, 0o100755);
    seal(p);
    const auditor = new PayloadAuditor(PAYLOAD_CTX);
    const given = feed(auditor, p.values());
    expect(given.get(path.slice(1))).toBe(997);
    const findings = auditor.finish();
    expect(summary(findings)).toEqual([`PH310 ${path}:1`]);
    expect(findings[0]?.message).toContain('libfoo.so.1');
  });

  it('PH312 on an ELF file read in place, changed after its RECORD was written', () => {
    const path = `${SP}/alpha/_speedups.so`;
    const findings = auditPayload((p) => file(p, path, compiled.plain as Buffer, 0o100755), (p) => file(p, path, Buffer.concat([compiled.plain as Buffer, Buffer.from('\0')]), 0o100755));
    expect(summary(findings)).toEqual([`PH312 ${path}:1`]);
  });

  it('PH318, not PH309: an inert ELF file for another machine, whose own needs are not judged', () => {
    const path = `${SP}/alpha/solverdir/cbc/linux/i386/libcbc.so`;
    const findings = auditPayload((p) => file(p, path, compiled.i386solver as Buffer, 0o100755));
    expect(summary(findings)).toEqual([`PH318 ${path}:1`]);
    expect(findings[0]).toMatchObject({ severity: 'warning' });
    expect(findings[0]?.message).toContain('built for i386 (ELF machine 3), not x86_64');
    expect(findings[0]?.message).toContain('audit.waive');
  });

  it('PH309: a foreign ELF file Python would import as an extension module', () => {
    const tagged = `${SP}/alpha/_speedups.cpython-311-x86_64-linux-gnu.so`;
    const plain = `${SP}/alpha/_fast.so`;
    const top = `${SP}/_top.so`;
    const findings = auditPayload((p) => {
      for (const path of [tagged, plain, top]) file(p, path, compiled.i386solver as Buffer, 0o100755);
    });
    expect(summary(findings).sort()).toEqual([`PH309 ${plain}:1`, `PH309 ${tagged}:1`, `PH309 ${top}:1`].sort());
    for (const f of findings) expect(f.message).toMatch(/extension module Python would import.*lock the package's wheel for x86_64/);
  });

  it('PH318 for a plain .so outside any package and for a name that is no module', () => {
    const findings = auditPayload((p) => {
      file(p, `${SP}/alpha/bin/_solver.so`, compiled.i386solver as Buffer, 0o100755);
      file(p, `${SP}/alpha/libcbc-1.2.so`, compiled.i386solver as Buffer, 0o100755);
    });
    expect(rules(findings)).toEqual(['PH318', 'PH318']);
  });

  it('PH309: a foreign library an ELF file of the venv needs; it provides nothing (PH310 for the one that needs it)', () => {
    const lib = `${SP}/alpha.libs/libfoo.so.1`;
    const user = `${SP}/alpha/_usesfoo.so`;
    const findings = auditPayload((p) => {
      file(p, user, compiled.usesfoo as Buffer, 0o100755);
      file(p, lib, compiled.i386foo as Buffer, 0o100755);
    });
    expect(summary(findings).sort()).toEqual([`PH309 ${lib}:1`, `PH310 ${user}:1`]);
    expect(only(findings, 'PH309')[0]?.message).toContain(`${user} needs it`);
  });

  it('PH309: a foreign program in the venv\'s bin/', () => {
    const path = `${VENV}/bin/cbc`;
    const findings = auditPayload((p) => file(p, path, compiled.i386program as Buffer, 0o100755));
    expect(summary(findings)).toEqual([`PH309 ${path}:1`]);
    expect(findings[0]?.message).toContain('a program on PATH');
  });

  it('PH306: bin/python3.11 an ELF copy of an interpreter, not a link', () => {
    const path = `${VENV}/bin/python3.11`;
    const findings = auditPayload((p) => file(p, path, compiled.hostPython as Buffer, 0o100755));
    // The links to it lead to the copy, not to the target interpreter, and say so too.
    expect(summary(findings).sort()).toEqual([`PH305 ${path}:1`, `PH306 ${path}:1`, `PH306 ${VENV}/bin/python3:1`, `PH306 ${VENV}/bin/python:1`]);
    expect(only(findings, 'PH306').find((f) => f.file === path)?.message).toContain('a copy of an interpreter');
    expect(only(findings, 'PH305')[0]?.message).toContain('/root/.pyenv/versions/3.11.9/lib, outside the venv');
  });

  it('PH305: an RPATH outside the venv and the interpreter\'s home, or relative; not the system\'s library directories', () => {
    const host = `${SP}/alpha/_host.so`;
    const relative = `${SP}/alpha/_relative.so`;
    const findings = auditPayload((p) => {
      file(p, host, compiled.hostPython as Buffer, 0o100755);
      file(p, relative, compiled.relativeRpath as Buffer, 0o100755);
      file(p, `${SP}/alpha/_system.so`, compiled.systemRpath as Buffer, 0o100755);
    });
    expect(summary(findings).sort()).toEqual([`PH305 ${host}:1`, `PH305 ${relative}:1`]);
    expect(only(findings, 'PH305').find((f) => f.file === relative)?.message).toContain('a relative directory');
  });

  it('PH320, a warning: an RPATH naming the manylinux container an upstream wheel was built in (scipy\'s)', () => {
    const path = `${SP}/scipy/special/cython_special.cpython-311-x86_64-linux-gnu.so`;
    const findings = auditPayload((p) => file(p, path, compiled.upstreamRpath as Buffer, 0o100755));
    expect(summary(findings)).toEqual([`PH320 ${path}:1`]);
    expect(findings[0]?.severity).toBe('warning');
    expect(findings[0]?.message).toContain('/opt/_internal/cpython-3.11.13/lib/python3.11/site-packages/scipy_openblas32/lib, outside the venv');
  });

  it('waived by audit.waive: every finding a glob covers is reported waived, past the cap too, and fails nothing', () => {
    const waive = (rule: RuleId, path: string): Waiver => ({ rule, path, reason: 'CBC bundled for every platform', file: 'phoreus.yaml', line: 4 });
    const findings = auditPayload((p) => {
      for (let i = 0; i < 30; i++) file(p, `${SP}/alpha/solverdir/i386/lib${i}.so`, compiled.i386solver as Buffer, 0o100755);
      file(p, `${SP}/alpha/solverdir/i386-other/libcbc.so`, compiled.i386solver as Buffer, 0o100755);
    }, undefined, { waivers: [waive('PH318', 'lib/python3.*/site-packages/alpha/solverdir/i386/*.so'), waive('PH309', 'bin/cbc')] });
    const waived = findings.filter((f) => f.waived);
    expect(waived).toHaveLength(26);
    expect(waived.every((f) => f.rule === 'PH318')).toBe(true);
    expect(waived[0]?.waived).toEqual({ reason: 'CBC bundled for every platform', by: 'phoreus.yaml:4' });
    expect(waived.at(-1)).toMatchObject({ file: VENV, message: '5 more waived PH318 findings like the ones above' });
    expect(summary(findings.filter((f) => !f.waived))).toEqual([`PH318 ${SP}/alpha/solverdir/i386-other/libcbc.so:1`, 'PH319 phoreus.yaml:4']);
    expect(findings.find((f) => f.rule === 'PH319')?.message).toContain('PH309 for bin/cbc matches no finding');
  });

  it('waived: a foreign extension module\'s PH309, which then fails nothing', () => {
    const path = `${SP}/alpha/_fast.so`;
    const findings = auditPayload((p) => file(p, path, compiled.i386solver as Buffer, 0o100755), undefined, {
      waivers: [{ rule: 'PH309', path: 'lib/python3.11/site-packages/alpha/_fast.so', reason: 'imported only on i386 hosts', file: 'phoreus.yaml', line: 2 }],
    });
    expect(summary(findings)).toEqual([`PH309 ${path}:1`]);
    expect(countBySeverity(findings)).toEqual({ errors: 0, warnings: 0, waived: 1 });
  });

  it('PH305: an RPATH into /tmp, but not an $ORIGIN-relative RUNPATH', () => {
    const path = `${SP}/alpha/_rpath.so`;
    const findings = auditPayload((p) => file(p, path, compiled.rpath as Buffer, 0o100755));
    expect(summary(findings)).toEqual([`PH305 ${path}:1`]);
    expect(findings[0]?.message).toContain('/tmp/build/lib');
    expect(auditPayload((p) => file(p, `${SP}/alpha/_origin.so`, compiled.origin as Buffer, 0o100755))).toEqual([]);
  });
});

describe('buildPathIn', () => {
  it('finds /BUILDROOT/', () => {
    expect(buildPathIn(Buffer.from('x /home/u/rpmbuild/BUILDROOT/phoreus-t-1-1.x86_64/usr y'), [])).toBe('/BUILDROOT/');
  });

  it('finds a pip temporary directory', () => {
    expect(buildPathIn(Buffer.from('/tmp/pip-build-env-abc/overlay/lib'), [])).toBe('/tmp/pip-build-env-');
    expect(buildPathIn(Buffer.from('in /tmp/pip-req-build-x1y2'), [])).toBe('/tmp/pip-req-build-');
  });

  it('finds a literal path passed in, before the generic markers', () => {
    expect(buildPathIn(Buffer.from('made in /srv/ci/job-42/work'), ['/srv/ci/job-42'])).toBe('/srv/ci/job-42');
    expect(buildPathIn(Buffer.from('/srv/ci/job-42/BUILDROOT/x'), ['/srv/ci/job-42'])).toBe('/srv/ci/job-42');
  });

  it('finds nothing in plain text, nor for an empty literal', () => {
    expect(buildPathIn(Buffer.from('import os\nprint("hello from /usr/local/phoreus/t/1/venv")\n'), [])).toBeUndefined();
    expect(buildPathIn(Buffer.from('plain text'), [''])).toBeUndefined();
    expect(buildPathIn(Buffer.from('/tmp/pip-something-else'), [])).toBeUndefined();
  });

  it('finds each of the generic markers', () => {
    for (const marker of ['/rpmbuild/BUILD', '/builddir/build/', '/home/runner/work/', '/__w/', '/hostedtoolcache/', '/phoreus-build-', '/phoreus-app-']) {
      expect(buildPathIn(Buffer.from(`prefix ${marker}x suffix`), []), marker).toBe(marker);
    }
  });
});
