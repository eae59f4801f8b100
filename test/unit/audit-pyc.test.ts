/**
 * Bytecode headers: .pyc files compiled here by every CPython 3.8–3.13 on the machine, in
 * the timestamp and hash-based (PEP 552) variants, read back by readPycHeader; the magic
 * table; and the interpreter tag of __pycache__ file names.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdsString, magicOf, pycTag, readPycHeader, StringFinder, tagOf } from '../../src/audit/pyc.js';
import { pythonPath } from '../support/processes.js';
import { installedPythons, SUITE_INTERPRETERS } from '../support/required-tools.js';

const MINORS = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13'];

/**
 * The interpreters to compile with: every one of MINORS this machine has, which must include
 * the suite's own (3.10 and 3.11); the others are the machine's to add.
 */
const PYTHONS = installedPythons(MINORS);
let dir: string;

/** The interpreter's own answers: its magic number and the .pyc bytes it writes in each mode. */
interface Compiled {
  magic: number;
  timestamp: Buffer;
  unchecked: Buffer;
  checked: Buffer;
}
const compiled = new Map<string, Compiled>();

const SCRIPT = `
import importlib.util, py_compile, sys
src, out = sys.argv[1], sys.argv[2]
modes = {'timestamp': py_compile.PycInvalidationMode.TIMESTAMP, 'unchecked': py_compile.PycInvalidationMode.UNCHECKED_HASH, 'checked': py_compile.PycInvalidationMode.CHECKED_HASH}
for name, mode in modes.items():
    py_compile.compile(src, cfile=out + '.' + name + '.pyc', doraise=True, invalidation_mode=mode)
print(int.from_bytes(importlib.util.MAGIC_NUMBER[:2], 'little'))
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-pyc-'));
  const src = join(dir, 'tiny.py');
  writeFileSync(src, 'def answer():\n    return 42\n');
  writeFileSync(join(dir, 'compile.py'), SCRIPT);
  for (const { minor, python } of PYTHONS) {
    const out = join(dir, `tiny-${minor}`);
    const r = spawnSync(python, [join(dir, 'compile.py'), src, out], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${python}: ${r.stderr}`);
    compiled.set(minor, {
      magic: Number(r.stdout.trim()),
      timestamp: readFileSync(`${out}.timestamp.pyc`),
      unchecked: readFileSync(`${out}.unchecked.pyc`),
      checked: readFileSync(`${out}.checked.pyc`),
    });
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('readPycHeader on bytecode written by each interpreter', () => {
  it.each(SUITE_INTERPRETERS)('compiles with Python %s, which the suite needs', (minor) => {
    // Throws, saying how to install it, when the machine lacks it.
    expect(PYTHONS.map((p) => p.python)).toContain(pythonPath(minor));
  });

  for (const { minor } of PYTHONS) {
    describe(`Python ${minor}`, () => {
      it('reads a timestamp .pyc as this version, final, not hash-based', () => {
        const c = compiled.get(minor) as Compiled;
        const header = readPycHeader(c.timestamp);
        expect(header).toEqual({ magic: c.magic, version: minor, isFinal: true, hashBased: false });
        expect(header?.magic).toBe(magicOf(minor));
      });

      it('reads an unchecked-hash .pyc as hash-based', () => {
        const c = compiled.get(minor) as Compiled;
        expect(readPycHeader(c.unchecked)).toEqual({ magic: magicOf(minor), version: minor, isFinal: true, hashBased: true });
      });

      it('reads a checked-hash .pyc as hash-based', () => {
        const c = compiled.get(minor) as Compiled;
        expect(readPycHeader(c.checked)).toEqual({ magic: magicOf(minor), version: minor, isFinal: true, hashBased: true });
      });

      it('knows the magic the interpreter itself reports', () => {
        expect(magicOf(minor)).toBe(compiled.get(minor)?.magic);
      });
    });
  }
});

/** A .pyc header with the given magic and flags, and an empty code object's worth of bytes. */
function header(magic: number, flags = 0): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt16LE(magic, 0);
  b[2] = 0x0d;
  b[3] = 0x0a;
  b.writeUInt32LE(flags, 4);
  return b;
}

describe('readPycHeader on made-up headers', () => {
  it('reads the 3.14 final magic 3627', () => {
    expect(magicOf('3.14')).toBe(3627);
    expect(readPycHeader(header(3627))).toEqual({ magic: 3627, version: '3.14', isFinal: true, hashBased: false });
  });

  it('reads a pre-release magic as its version, not final', () => {
    expect(readPycHeader(header(3600))).toEqual({ magic: 3600, version: '3.14', isFinal: false, hashBased: false });
    expect(readPycHeader(header(3560, 1))).toEqual({ magic: 3560, version: '3.13', isFinal: false, hashBased: true });
    expect(readPycHeader(header(3430))?.version).toBe('3.10');
  });

  it('gives no version for an unknown magic', () => {
    for (const magic of [1234, 3379, 3414, 3440, 3628, 65535]) {
      const h = readPycHeader(header(magic));
      expect(h, String(magic)).toEqual({ magic, isFinal: false, hashBased: false });
      expect(h && 'version' in h).toBe(false);
    }
  });

  it('reads bit 0 of the flags as hash-based', () => {
    expect(readPycHeader(header(3495, 1))?.hashBased).toBe(true);
    expect(readPycHeader(header(3495, 3))?.hashBased).toBe(true);
    expect(readPycHeader(header(3495, 2))?.hashBased).toBe(false);
  });

  it('gives undefined for bytes that are not a .pyc', () => {
    expect(readPycHeader(Buffer.from('def answer():\n    return 42\n'))).toBeUndefined();
    expect(readPycHeader(Buffer.from('\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00', 'latin1'))).toBeUndefined();
    expect(readPycHeader(header(3495).subarray(0, 15))).toBeUndefined();
    expect(readPycHeader(new Uint8Array(0))).toBeUndefined();
    const noCrLf = header(3495);
    noCrLf[3] = 0x00;
    expect(readPycHeader(noCrLf)).toBeUndefined();
  });

  it('knows a final magic for every version from 3.8 to 3.14, increasing with the version', () => {
    const magics = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.14'].map((v) => magicOf(v) as number);
    expect(magics.every((m) => Number.isInteger(m))).toBe(true);
    expect([...magics].sort((a, b) => a - b)).toEqual(magics);
    expect(magicOf('3.7')).toBeUndefined();
    expect(magicOf('3.99')).toBeUndefined();
  });
});

describe('pycTag and tagOf', () => {
  it('reads the interpreter tag of a __pycache__ file name', () => {
    expect(pycTag('x.cpython-311.pyc')).toBe('cpython-311');
    expect(pycTag('x.cpython-311.opt-1.pyc')).toBe('cpython-311');
    expect(pycTag('x.cpython-38.opt-2.pyc')).toBe('cpython-38');
    expect(pycTag('/usr/local/phoreus/t/1/venv/lib/python3.13/site-packages/a/__pycache__/mod.cpython-313.pyc')).toBe('cpython-313');
  });

  it('gives undefined for names without a tag', () => {
    expect(pycTag('x.py')).toBeUndefined();
    expect(pycTag('x.pyc')).toBeUndefined();
    expect(pycTag('x.pypy39.pyc')).toBeUndefined();
    expect(pycTag('x.cpython-311.pyc.bak')).toBeUndefined();
  });

  it('makes the tag of a version', () => {
    expect(tagOf('3.10')).toBe('cpython-310');
    expect(tagOf('3.8')).toBe('cpython-38');
    expect(tagOf('3.13')).toBe('cpython-313');
  });

  it('makes the tag each interpreter writes (sys.implementation.cache_tag)', () => {
    for (const { minor, python } of PYTHONS) {
      const tag = spawnSync(python, ['-c', 'import sys; print(sys.implementation.cache_tag)'], { encoding: 'utf8' }).stdout.trim();
      expect(tagOf(minor)).toBe(tag);
      expect(pycTag(`mod.${tag}.pyc`)).toBe(tag);
    }
  });
});

describe('holdsString on the co_filename each interpreter marshals', () => {
  const INSTALLED = '/usr/local/phoreus/t/1/venv/lib/python3.11/site-packages/alpha/__init__.py';
  const cases: Array<[string, string]> = [
    ['a short ASCII path', INSTALLED],
    ['a path longer than 255 bytes', `/usr/local/phoreus/t/1/venv/lib/python3.11/site-packages/${'deep/'.repeat(50)}m.py`],
    ['a path with non-ASCII letters', '/usr/local/phoreus/t/1/venv/lib/python3.11/site-packages/données/m.py'],
  ];

  /** The bytecode of a small module, compiled by `python` with `dfile` as its co_filename. */
  const compile = (python: string, dfile: string): Buffer => {
    const src = join(dir, 'two.py');
    writeFileSync(src, 'def f():\n    return 1\n\nclass C:\n    def g(self):\n        return 2\n');
    const out = join(dir, 'two.pyc');
    const r = spawnSync(python, ['-c', 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], doraise=True)', src, out, dfile], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return readFileSync(out);
  };

  for (const { minor, python } of PYTHONS) {
    it.each(cases)(`Python ${minor}: finds %s as the whole string, not inside a longer one`, (_what, path) => {
      expect(holdsString(compile(python, path), path)).toBe(true);
      const buildroot = compile(python, `/home/builder/rpmbuild/BUILDROOT/t-1-1.el9.x86_64${path}`);
      expect(buildroot.includes(Buffer.from(path))).toBe(true);
      expect(holdsString(buildroot, path)).toBe(false);
    });

    it.each(cases)(`Python ${minor}: StringFinder finds %s in pieces cut anywhere, as holdsString finds it whole`, (_what, path) => {
      const bytecode = compile(python, path);
      const buildroot = compile(python, `/home/builder/rpmbuild/BUILDROOT/t-1-1.el9.x86_64${path}`);
      const at = bytecode.indexOf(Buffer.from(path));
      // Every cut from just before the type byte to just past the string, and pieces of every small size.
      const cuts = [...Array.from({ length: Buffer.byteLength(path) + 12 }, (_, i) => at - 6 + i).map((cut) => [cut]), [1], [2], [5], [13], [100]];
      for (const [cut] of cuts as number[][]) {
        for (const [data, want] of [[bytecode, true], [buildroot, false]] as const) {
          const finder = new StringFinder(path);
          const sizes = cut !== undefined && cut > 20 ? [cut, data.length] : [cut ?? 1];
          let offset = 0;
          for (let i = 0; offset < data.length; i++) {
            const size = sizes[Math.min(i, sizes.length - 1)] ?? 1;
            // Each piece copied into a buffer spoiled once read, as the payload stream gives them.
            const piece = Buffer.from(data.subarray(offset, offset + size));
            finder.push(piece);
            piece.fill(0xa5);
            offset += size;
          }
          expect(finder.found, `cut at ${cut}, ${want ? 'installed' : 'BUILDROOT'} path`).toBe(want);
        }
      }
    });
  }
});
