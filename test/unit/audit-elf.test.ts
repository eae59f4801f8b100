/**
 * The ELF reader: shared objects compiled here with gcc, read back and compared with what
 * readelf(1) says of the same files: DT_NEEDED, DT_SONAME, DT_RPATH/DT_RUNPATH, the symbol
 * versions of .gnu.version_r, the machine; and bytes that are not (whole) ELF files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EM_AARCH64, EM_X86_64, isElf, newestGlibc, readElf, type ElfInfo } from '../../src/audit/elf.js';
import { requiredCommand } from '../support/required-tools.js';

let dir: string;

function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Compiles `source` into the shared object `out` with extra gcc arguments. */
function compile(out: string, source: string, extra: string[] = []): Buffer {
  const c = `${out}.c`;
  writeFileSync(join(dir, c), source);
  run(requiredCommand('gcc', 'gcc'), ['-shared', '-fPIC', '-O1', '-o', out, c, ...extra]);
  return readFileSync(join(dir, out));
}

/** What readelf -d says: NEEDED, SONAME, RPATH and RUNPATH values. */
function readelfDynamic(file: string): { needed: string[]; soname?: string; rpath: string[]; runpath: string[] } {
  const out = run(requiredCommand('readelf', 'binutils'), ['-d', '-W', file]);
  const values = (tag: string): string[] => [...out.matchAll(new RegExp(`\\(${tag}\\)\\s+\\S.*?\\[([^\\]]*)\\]`, 'g'))].map((m) => m[1] ?? '');
  const soname = values('SONAME')[0];
  return { needed: values('NEEDED'), ...(soname !== undefined ? { soname } : {}), rpath: values('RPATH'), runpath: values('RUNPATH') };
}

/** What readelf -V says of .gnu.version_r: versions required, by file. */
function readelfVersions(file: string): Record<string, string[]> {
  const out = run(requiredCommand('readelf', 'binutils'), ['-V', '-W', file]);
  const section = out.split(/Version needs section/)[1] ?? '';
  const result: Record<string, string[]> = {};
  let current: string | undefined;
  for (const line of section.split('\n')) {
    const f = /File: (\S+)\s+Cnt:/.exec(line);
    if (f) {
      current = f[1] ?? '';
      result[current] ??= [];
      continue;
    }
    const n = /Name: (\S+)/.exec(line);
    if (n && current) result[current]?.push(n[1] ?? '');
    else if (line.trim() === '' && current) break;
  }
  return result;
}

/** readelf's e_machine number. */
function readelfMachine(file: string): number {
  const out = run(requiredCommand('readelf', 'binutils'), ['-h', '-W', file]);
  const name = /Machine:\s+(.*)/.exec(out)?.[1]?.trim();
  return name === 'Advanced Micro Devices X86-64' ? EM_X86_64 : name === 'AArch64' ? EM_AARCH64 : name === 'Intel 80386' ? 3 : -1;
}

const sortedVersions = (v: Record<string, string[]>): Record<string, string[]> =>
  Object.fromEntries(Object.entries(v).map(([k, names]) => [k, [...names].sort()]).sort(([a], [b]) => String(a).localeCompare(String(b))));

/** newestGlibc computed from readelf's list. */
function newestFrom(versions: Record<string, string[]>): [number, number] | undefined {
  const all = Object.values(versions).flat().map((n) => /^GLIBC_(\d+)\.(\d+)/.exec(n)).filter((m): m is RegExpExecArray => m !== null);
  const pairs = all.map((m): [number, number] => [Number(m[1]), Number(m[2])]);
  pairs.sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  return pairs[0];
}

const PLAIN = '#include <stdio.h>\nint hello(void) { return puts("hello"); }\n';
const ARC4 = '#include <stdlib.h>\nunsigned int draw(void) { return arc4random(); }\n';

let files: Record<string, Buffer>;
const x86 = process.arch === 'x64';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-elf-'));
  files = {
    'plain.so': compile('plain.so', PLAIN),
    'arc4.so': compile('arc4.so', ARC4),
    'libdemo.so.3': compile('libdemo.so.3', PLAIN, ['-Wl,-soname,libdemo.so.3']),
    'libfoo.so.1': compile('libfoo.so.1', 'int foo(void) { return 41; }\n', ['-Wl,-soname,libfoo.so.1']),
    'rpath.so': compile('rpath.so', PLAIN, ['-Wl,--disable-new-dtags,-rpath,/tmp/build/lib']),
    'runpath.so': compile('runpath.so', PLAIN, ['-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib:/opt/x/lib']),
  };
  run('ln', ['-sf', 'libfoo.so.1', 'libfoo.so']);
  files['usesfoo.so'] = compile('usesfoo.so', 'int foo(void);\nint bar(void) { return foo() + 1; }\n', ['-L', dir, '-lfoo']);
  // A library with versioned symbols of its own: the user needs two Verneed entries.
  writeFileSync(join(dir, 'libver.map'), 'VER_1.0 { global: ver_one; local: *; };\nVER_2.0 { global: ver_two; } VER_1.0;\n');
  files['libver.so.2'] = compile('libver.so.2', 'int ver_one(void) { return 1; }\nint ver_two(void) { return 2; }\n', ['-Wl,-soname,libver.so.2', '-Wl,--version-script,libver.map']);
  run('ln', ['-sf', 'libver.so.2', 'libver.so']);
  files['usesver.so'] = compile('usesver.so', '#include <stdlib.h>\nint ver_one(void);\nint ver_two(void);\nint both(void) { return ver_one() + ver_two() + (int)arc4random(); }\n', ['-L', dir, '-lver']);
  run('cp', ['arc4.so', 'stripped.so']);
  run('strip', ['stripped.so']);
  files['stripped.so'] = readFileSync(join(dir, 'stripped.so'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Everything readElf gives, checked against readelf for one file. */
function expectAsReadelf(name: string): ElfInfo {
  const info = readElf(files[name] as Buffer);
  expect(info, name).toBeDefined();
  if (!info) throw new Error('unreachable');
  const d = readelfDynamic(name);
  expect(info.needed, name).toEqual(d.needed);
  expect(info.soname, name).toBe(d.soname);
  expect([...info.rpath].sort(), name).toEqual([...d.rpath, ...d.runpath].flatMap((p) => p.split(':')).filter(Boolean).sort());
  expect(sortedVersions(info.versionsNeeded), name).toEqual(sortedVersions(readelfVersions(name)));
  expect(info.machine).toBe(readelfMachine(name));
  return info;
}

describe('readElf on shared objects built by gcc', () => {
  it('reads a plain object: libc.so.6 needed, an old glibc, no soname or rpath', () => {
    const info = expectAsReadelf('plain.so');
    expect(info.needed).toEqual(['libc.so.6']);
    expect(info.soname).toBeUndefined();
    expect(info.rpath).toEqual([]);
    expect(Object.keys(info.versionsNeeded)).toEqual(['libc.so.6']);
    const glibc = newestGlibc(info);
    expect(glibc).toEqual(newestFrom(readelfVersions('plain.so')));
    expect(glibc?.[0]).toBe(2);
    expect(glibc?.[1]).toBeLessThanOrEqual(x86 ? 17 : 34);
  });

  it('reads GLIBC_2.36 from an object calling arc4random', () => {
    const info = expectAsReadelf('arc4.so');
    expect(info.versionsNeeded['libc.so.6']).toContain('GLIBC_2.36');
    expect(newestGlibc(info)).toEqual([2, 36]);
  });

  it('reads the soname', () => {
    const info = expectAsReadelf('libdemo.so.3');
    expect(info.soname).toBe('libdemo.so.3');
    expect(readElf(files['libfoo.so.1'] as Buffer)?.soname).toBe('libfoo.so.1');
  });

  it('reads the DT_NEEDED of a library linked with -lfoo as its soname', () => {
    const info = expectAsReadelf('usesfoo.so');
    expect(info.needed).toContain('libfoo.so.1');
    expect(info.needed).not.toContain('libfoo.so');
  });

  it('reads DT_RPATH', () => {
    const info = expectAsReadelf('rpath.so');
    expect(readelfDynamic('rpath.so').rpath).toEqual(['/tmp/build/lib']);
    expect(info.rpath).toEqual(['/tmp/build/lib']);
  });

  it('reads DT_RUNPATH, split at colons', () => {
    const info = expectAsReadelf('runpath.so');
    expect(readelfDynamic('runpath.so').runpath).toEqual(['$ORIGIN/../lib:/opt/x/lib']);
    expect(info.rpath).toEqual(['$ORIGIN/../lib', '/opt/x/lib']);
  });

  it('reads every Verneed entry and every Vernaux of each', () => {
    const info = expectAsReadelf('usesver.so');
    expect(Object.keys(info.versionsNeeded).sort()).toEqual(['libc.so.6', 'libver.so.2']);
    expect([...(info.versionsNeeded['libver.so.2'] ?? [])].sort()).toEqual(['VER_1.0', 'VER_2.0']);
    expect(newestGlibc(info)).toEqual([2, 36]);
  });

  it('gives the machine and the class of the host', () => {
    const info = readElf(files['plain.so'] as Buffer);
    expect(info?.is64).toBe(true);
    if (x86) expect(info?.machine).toBe(62);
    else if (process.arch === 'arm64') expect(info?.machine).toBe(183);
  });

  it('reads a 32-bit i386 object (linked with ld -m elf_i386)', () => {
    const c = join(dir, 't32.c');
    writeFileSync(c, 'int thirty(void) { return 32; }\n');
    const cc = spawnSync(requiredCommand('gcc', 'gcc'), ['-m32', '-fPIC', '-c', '-o', 't32.o', 't32.c'], { cwd: dir, encoding: 'utf8' });
    const ld = cc.status === 0 ? spawnSync('ld', ['-m', 'elf_i386', '-shared', '-soname', 'libthirty.so.2', '-rpath', '/tmp/build32/lib', '-o', 'libthirty.so.2', 't32.o'], { cwd: dir, encoding: 'utf8' }) : undefined;
    if (!ld || ld.status !== 0) {
      throw new Error(`this machine's gcc and ld cannot make i386 code (${(ld ?? cc).stderr.trim()}); on x86_64 install them with \`sudo apt-get install -y gcc binutils\`, elsewhere add gcc-multilib or binutils-i686-linux-gnu`);
    }
    files['libthirty.so.2'] = readFileSync(join(dir, 'libthirty.so.2'));
    const info = expectAsReadelf('libthirty.so.2');
    expect(info.is64).toBe(false);
    expect(info.machine).toBe(3);
    expect(info.soname).toBe('libthirty.so.2');
    expect(info.rpath).toEqual(['/tmp/build32/lib']);
  });

  it('still reads needed libraries and versions from a stripped object', () => {
    const before = readElf(files['arc4.so'] as Buffer);
    const after = expectAsReadelf('stripped.so');
    expect((files['stripped.so'] as Buffer).length).toBeLessThan((files['arc4.so'] as Buffer).length);
    expect(after.needed).toEqual(before?.needed);
    expect(after.versionsNeeded).toEqual(before?.versionsNeeded);
    expect(newestGlibc(after)).toEqual([2, 36]);
  });
});

describe('isElf and readElf on other bytes', () => {
  it('says a text file and 10 bytes are not ELF', () => {
    const text = Buffer.from('#!/bin/sh\necho this is a shell script, not an ELF file at all, long enough\n');
    expect(isElf(text)).toBe(false);
    expect(readElf(text)).toBeUndefined();
    const ten = (files['plain.so'] as Buffer).subarray(0, 10);
    expect(isElf(ten)).toBe(false);
    expect(readElf(ten)).toBeUndefined();
    expect(isElf(Buffer.alloc(0))).toBe(false);
  });

  it('says a compiled object is ELF', () => {
    expect(isElf(files['plain.so'] as Buffer)).toBe(true);
  });

  it('never throws on a truncated ELF file', () => {
    const whole = files['usesver.so'] as Buffer;
    const first200 = whole.subarray(0, 200);
    expect(() => readElf(first200)).not.toThrow();
    const info = readElf(first200);
    if (info) {
      expect(info.machine).toBe(readElf(whole)?.machine);
      expect(info.needed).toEqual([]);
    }
    for (let n = 0; n <= whole.length; n += 97) {
      expect(() => readElf(whole.subarray(0, n)), `first ${n} bytes`).not.toThrow();
    }
  });

  it('reads a dynamic section whose header claims more bytes than the file holds, up to its DT_NULL', () => {
    // A loader never reads section headers: a size that runs past the end must not hide the file from the rules.
    const whole = Buffer.from(files['rpath.so'] as Buffer);
    const shoff = Number(whole.readBigUInt64LE(0x28));
    const shentsize = whole.readUInt16LE(0x3a);
    const shnum = whole.readUInt16LE(0x3c);
    const dynamic = Array.from({ length: shnum }, (_, i) => shoff + i * shentsize).find((at) => whole.readUInt32LE(at + 4) === 6);
    expect(dynamic).toBeDefined();
    whole.writeBigUInt64LE(BigInt(whole.length * 16), (dynamic as number) + 0x20);
    expect(readElf(whole)?.rpath).toEqual(['/tmp/build/lib']);
    expect(readElf(whole)?.needed).toEqual(readElf(files['rpath.so'] as Buffer)?.needed);
  });

  it('never throws on an ELF file with corrupted bytes', () => {
    const whole = files['usesver.so'] as Buffer;
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 300; round++) {
      const bad = Buffer.from(whole);
      for (let k = 0; k < 8; k++) bad[16 + Math.floor(random() * (bad.length - 16))] = Math.floor(random() * 256);
      expect(() => readElf(bad), `round ${round}`).not.toThrow();
    }
  });
});

describe('newestGlibc', () => {
  const info = (versionsNeeded: Record<string, string[]>): ElfInfo => ({ machine: 62, is64: true, needed: [], rpath: [], versionsNeeded });

  it('compares minor versions as numbers, across libraries', () => {
    expect(newestGlibc(info({ 'libc.so.6': ['GLIBC_2.2.5', 'GLIBC_2.9'], 'libm.so.6': ['GLIBC_2.17'] }))).toEqual([2, 17]);
    expect(newestGlibc(info({ 'libc.so.6': ['GLIBC_2.3.4', 'GLIBC_2.34'] }))).toEqual([2, 34]);
  });

  it('ignores other version names and gives undefined without any GLIBC_', () => {
    expect(newestGlibc(info({ 'libc.so.6': ['GLIBC_PRIVATE'], 'libstdc++.so.6': ['GLIBCXX_3.4.30', 'CXXABI_1.3'] }))).toBeUndefined();
    expect(newestGlibc(info({}))).toBeUndefined();
  });
});
