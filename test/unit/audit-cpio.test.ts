/**
 * The streaming newc cpio reader: real archives written by cpio(1), read back whole, one
 * byte at a time and in random chunks; a large file across many chunks; where each entry's
 * data lies, and the data readers decline skipped; a corrupt magic or field; and nothing read
 * past the trailer.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpioReader, gathered, isDirectory, isRegular, isSymlink, type CpioEntry, type CpioHeader, type EntryReader } from '../../src/audit/cpio.js';
import { requiredCommand } from '../support/required-tools.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'audit-cpio-'));
  dirs.push(d);
  return d;
}

/** `find . | cpio -o -H <format>` run in `dir`: the archive's bytes. */
function archive(dir: string, format = 'newc', list?: string): Buffer {
  const files = list ?? spawnSync('find', ['.'], { cwd: dir, encoding: 'utf8' }).stdout;
  const r = spawnSync(requiredCommand('cpio', 'cpio'), ['-o', '--quiet', '-H', format], { cwd: dir, input: files, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`cpio failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/**
 * Reads `bytes` pushed in chunks whose sizes `sizes()` gives, each copied into one buffer that
 * is spoiled once pushed, as the payload stream reads into one buffer again and again: what
 * the reader keeps of a chunk it must copy.
 */
function read(bytes: Buffer, sizes: () => number): { entries: CpioEntry[]; reader: CpioReader } {
  const entries: CpioEntry[] = [];
  const reader = new CpioReader(gathered((e) => entries.push(e)));
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(Math.max(1, sizes()), bytes.length - at);
    const buffer = Buffer.from(bytes.subarray(at, at + n));
    reader.push(buffer);
    buffer.fill(0xa5);
    at += n;
  }
  return { entries, reader };
}

/** A small deterministic PRNG (mulberry32), so a failing chunking can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Expected {
  name: string;
  kind: 'file' | 'symlink' | 'dir';
  data: Buffer;
}

/** What the tree holds, read from the file system independently of the reader. */
function expectedOf(dir: string, names: string[]): Expected[] {
  return names.map((name) => {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return { name, kind: 'symlink', data: Buffer.from(readlinkSync(path)) };
    if (st.isDirectory()) return { name, kind: 'dir', data: Buffer.alloc(0) };
    return { name, kind: 'file', data: readFileSync(path) };
  });
}

const kindOf = (mode: number): string => (isRegular(mode) ? 'file' : isSymlink(mode) ? 'symlink' : isDirectory(mode) ? 'dir' : 'other');

let tree: string;
let bytes: Buffer;
let expected: Expected[];
const NAMES = ['.', 'empty', 'one', 'three', 'hello.txt', 'bin', 'bin/tool', 'bin/link', 'lib', 'lib/sub', 'lib/sub/data.bin', 'utf8-é.txt'];

beforeAll(() => {
  tree = tempDir();
  writeFileSync(join(tree, 'empty'), '');
  writeFileSync(join(tree, 'one'), 'x');
  writeFileSync(join(tree, 'three'), 'abc');
  writeFileSync(join(tree, 'hello.txt'), 'hello, world\n');
  mkdirSync(join(tree, 'bin'));
  writeFileSync(join(tree, 'bin/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  symlinkSync('../hello.txt', join(tree, 'bin/link'));
  mkdirSync(join(tree, 'lib/sub'), { recursive: true });
  writeFileSync(join(tree, 'lib/sub/data.bin'), randomBytes(5003));
  writeFileSync(join(tree, 'utf8-é.txt'), 'ünïcödé');
  bytes = archive(tree);
  expected = expectedOf(tree, NAMES);
});

function expectSameEntries(entries: CpioEntry[]): void {
  const byName = new Map(entries.map((e) => [e.name, e]));
  expect(entries).toHaveLength(NAMES.length);
  expect([...byName.keys()].sort()).toEqual([...NAMES].sort());
  for (const want of expected) {
    const got = byName.get(want.name);
    expect(got, want.name).toBeDefined();
    if (!got) continue;
    expect(kindOf(got.mode), want.name).toBe(want.kind);
    expect(got.data.equals(want.data), `data of ${want.name}`).toBe(true);
    expect(got.name.startsWith('./')).toBe(false);
  }
}

describe('CpioReader on archives written by cpio -H newc', () => {
  it('reads every entry from one push, and is finished after the trailer', () => {
    const { entries, reader } = read(bytes, () => bytes.length);
    expectSameEntries(entries);
    expect(reader.finished).toBe(true);
  });

  it('reads the same entries pushed one byte at a time', () => {
    const { entries, reader } = read(bytes, () => 1);
    expectSameEntries(entries);
    expect(reader.finished).toBe(true);
  });

  it('reads the same entries pushed in random chunk sizes', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const random = prng(seed);
      const { entries, reader } = read(bytes, () => 1 + Math.floor(random() * 700));
      expectSameEntries(entries);
      expect(reader.finished, `seed ${seed}`).toBe(true);
    }
  });

  it('gives names without "./", the permission bits and the entry type in mode', () => {
    const { entries } = read(bytes, () => bytes.length);
    const tool = entries.find((e) => e.name === 'bin/tool');
    expect(tool && tool.mode & 0o777).toBe(lstatSync(join(tree, 'bin/tool')).mode & 0o777);
    const link = entries.find((e) => e.name === 'bin/link');
    expect(link?.data.toString()).toBe('../hello.txt');
    expect(link && isRegular(link.mode)).toBe(false);
    const dir = entries.find((e) => e.name === 'lib/sub');
    expect(dir && isDirectory(dir.mode)).toBe(true);
    expect(dir?.data.length).toBe(0);
    expect(entries.find((e) => e.name === 'utf8-é.txt')?.data.toString()).toBe('ünïcödé');
  });

  it('keeps the entries in archive order', () => {
    const order = spawnSync(requiredCommand('cpio', 'cpio'), ['-t', '--quiet'], { input: bytes, encoding: 'utf8' }).stdout.trim().split('\n').map((n) => n.replace(/^\.\//, ''));
    const { entries } = read(bytes, () => 4096);
    expect(entries.map((e) => e.name)).toEqual(order);
  });

  it('is not finished while the trailer has not arrived', () => {
    const trailerAt = bytes.lastIndexOf('TRAILER!!!');
    expect(trailerAt).toBeGreaterThan(0);
    const entries: CpioEntry[] = [];
    const reader = new CpioReader(gathered((e) => entries.push(e)));
    reader.push(bytes.subarray(0, trailerAt));
    expect(reader.finished).toBe(false);
    expect(entries).toHaveLength(NAMES.length);
    reader.push(bytes.subarray(trailerAt));
    expect(reader.finished).toBe(true);
    expect(entries).toHaveLength(NAMES.length);
  });

  it('reads the "crc" variant (magic 070702) too', () => {
    const crc = archive(tree, 'crc');
    expect(crc.toString('latin1', 0, 6)).toBe('070702');
    const { entries, reader } = read(crc, () => 333);
    expectSameEntries(entries);
    expect(reader.finished).toBe(true);
  });

  it('delivers a 3 MiB file intact when pushed in 64 KiB chunks', () => {
    const dir = tempDir();
    const big = randomBytes(3 * 1024 * 1024 + 3);
    writeFileSync(join(dir, 'big.bin'), big);
    writeFileSync(join(dir, 'after.txt'), 'after');
    const data = archive(dir, 'newc', './big.bin\n./after.txt\n');
    const { entries, reader } = read(data, () => 64 * 1024);
    expect(entries.map((e) => e.name)).toEqual(['big.bin', 'after.txt']);
    expect(entries[0]?.data.length).toBe(big.length);
    expect(entries[0]?.data.equals(big)).toBe(true);
    expect(entries[1]?.data.toString()).toBe('after');
    expect(reader.finished).toBe(true);
  });

  it('throws an Error naming newc on a corrupt magic', () => {
    const bad = Buffer.from(bytes);
    bad.write('123456', 0, 'latin1');
    const reader = new CpioReader(gathered(() => undefined));
    expect(() => reader.push(bad)).toThrow(Error);
    expect(() => new CpioReader(gathered(() => undefined)).push(bad)).toThrow(/newc/);
  });

  it('throws on a corrupt magic in a later header, after the entries before it', () => {
    const bad = Buffer.from(bytes);
    // The second header: after the first one, its name "." (2 bytes) padded to 4, and no data.
    const second = bad.indexOf('070701', 1, 'latin1');
    expect(second).toBeGreaterThan(0);
    bad.write('07070X', second, 'latin1');
    const entries: CpioEntry[] = [];
    const reader = new CpioReader(gathered((e) => entries.push(e)));
    expect(() => reader.push(bad)).toThrow(/newc/);
    expect(entries).toHaveLength(1);
    expect(reader.finished).toBe(false);
  });

  it('rejects the old binary and odc formats', () => {
    for (const format of ['odc', 'bin']) {
      const other = archive(tree, format);
      expect(() => new CpioReader(gathered(() => undefined)).push(other), format).toThrow(/newc/);
    }
  });

  it('ignores entries after the trailer, in the same push or later ones', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'second.txt'), 'second archive');
    const second = archive(dir, 'newc', './second.txt\n');
    const { entries, reader } = read(Buffer.concat([bytes, second]), () => Number.MAX_SAFE_INTEGER);
    expectSameEntries(entries);
    expect(reader.finished).toBe(true);
    reader.push(second);
    reader.push(Buffer.from('garbage that is not a cpio header at all, not even close to one, and long enough to be read as one'));
    expect(entries.map((e) => e.name)).not.toContain('second.txt');
    expect(entries).toHaveLength(NAMES.length);
  });

  // newc (and rpm's payload writer) stores a hard-link set's contents once, with its last
  // link; the earlier links have c_filesize 0. CpioEntry has no inode or link count, so the
  // reader hands the earlier links out as empty regular files, not as their contents.
  it('gives every link of a hard-linked file its contents', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a'), 'content\n');
    spawnSync('ln', ['a', 'b'], { cwd: dir });
    const data = archive(dir, 'newc', './a\n./b\n');
    const { entries } = read(data, () => data.length);
    expect(entries.map((e) => e.name).sort()).toEqual(['a', 'b']);
    for (const e of entries) expect(e.data.toString(), e.name).toBe('content\n');
  });

  it('ignores empty pushes', () => {
    const entries: CpioEntry[] = [];
    const reader = new CpioReader(gathered((e) => entries.push(e)));
    reader.push(Buffer.alloc(0));
    expect(reader.finished).toBe(false);
    reader.push(bytes);
    reader.push(Buffer.alloc(0));
    expectSameEntries(entries);
  });

  it('gives each entry where its data lies in the archive, however the archive is cut', () => {
    for (const size of [1, 7, 333, bytes.length]) {
      const headers: CpioHeader[] = [];
      const reader = new CpioReader((header) => {
        headers.push(header);
        return { data: () => undefined, end: () => undefined };
      });
      for (let at = 0; at < bytes.length; at += size) reader.push(bytes.subarray(at, at + size));
      for (const want of expected.filter((e) => e.kind !== 'dir')) {
        const header = headers.find((h) => h.name === want.name);
        expect(header, want.name).toBeDefined();
        expect(bytes.subarray(header?.offset, (header?.offset ?? 0) + (header?.size ?? 0)).equals(want.data), `${want.name} cut every ${size}`).toBe(true);
      }
    }
  });

  it('lets the feeder skip the data a reader declines, and reads every entry after it', () => {
    const dir = tempDir();
    const big = randomBytes(200_003);
    writeFileSync(join(dir, 'first.txt'), 'first');
    writeFileSync(join(dir, 'big.bin'), big);
    writeFileSync(join(dir, 'after.txt'), 'after');
    const data = archive(dir, 'newc', './first.txt\n./big.bin\n./after.txt\n');
    for (const size of [1, 100, 4096, data.length]) {
      const entries: CpioEntry[] = [];
      let given = 0;
      const ended: string[] = [];
      const whole = gathered((e) => entries.push(e));
      const reader = new CpioReader((header): EntryReader => {
        if (header.name !== 'big.bin') return whole(header);
        return {
          // The first piece, then no more.
          data: (chunk) => {
            given += chunk.length;
            return false;
          },
          end: () => ended.push(header.name),
        };
      });
      let skipped = 0;
      for (let at = 0; at < data.length;) {
        if (reader.skippable > 0) {
          const n = reader.skippable;
          skipped += n;
          at += n;
          reader.skip(n);
          continue;
        }
        reader.push(data.subarray(at, at + size));
        at += size;
      }
      expect(entries.map((e) => e.name), `cut every ${size}`).toEqual(['first.txt', 'after.txt']);
      expect(entries[1]?.data.toString()).toBe('after');
      expect(ended).toEqual(['big.bin']);
      expect(given).toBeGreaterThan(0);
      expect(given + skipped).toBeLessThanOrEqual(big.length);
      if (size < big.length) expect(skipped).toBeGreaterThan(0);
      expect(reader.finished).toBe(true);
    }
  });

  it('gives a declined piece of a hard-linked file to the links that still need it, and skips nothing then', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a'), 'content\n'.repeat(1000));
    spawnSync('ln', ['a', 'b'], { cwd: dir });
    const data = archive(dir, 'newc', './a\n./b\n');
    const entries: CpioEntry[] = [];
    const whole = gathered((e) => entries.push(e));
    const reader = new CpioReader((header) => (header.name === 'a' ? { data: () => false, end: () => undefined } : whole(header)));
    for (let at = 0; at < data.length; at += 100) {
      reader.push(data.subarray(at, at + 100));
      expect(reader.skippable).toBe(0);
    }
    expect(entries.map((e) => e.name)).toEqual(['b']);
    expect(entries[0]?.data.toString()).toBe('content\n'.repeat(1000));
  });

  it('refuses to skip data a reader still needs', () => {
    const reader = new CpioReader(gathered(() => undefined));
    const at = bytes.indexOf('lib/sub/data.bin', 0, 'utf8');
    reader.push(bytes.subarray(0, at + 200));
    expect(() => reader.skip(1)).toThrow(/cannot skip/);
  });

  it('throws on a header field that is not hexadecimal, where a lenient parse would read a number', () => {
    const bad = Buffer.from(bytes);
    // The first header's c_filesize (field 6): "0000000z" would parse as 0 leniently.
    bad.write('z', 6 + 6 * 8 + 7, 'latin1');
    expect(() => new CpioReader(gathered(() => undefined)).push(bad)).toThrow(/hexadecimal/);
  });
});

