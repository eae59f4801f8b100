/**
 * Where a payload begins and what compressed it, read from an RPM's own structure; build
 * paths found across the seams of pieces; the files RECORD rows name.
 */
import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decompressorFor, locatePayload, type ReadAt } from '../../src/audit/payload-location.js';
import { buildPathIn, BuildPathScanner } from '../../src/audit/payload-rules/build-paths.js';
import { parseRecord } from '../../src/audit/payload-rules/records.js';

const MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);

/** A header: its intro, its index of [tag, type, offset, count] entries, and its data store. */
function header(entries: Array<[number, number, number, number]>, store: Buffer): Buffer {
  const intro = Buffer.alloc(8);
  intro.writeUInt32BE(entries.length, 0);
  intro.writeUInt32BE(store.length, 4);
  const index = Buffer.alloc(16 * entries.length);
  entries.forEach(([tag, type, offset, count], i) => {
    index.writeUInt32BE(tag, i * 16);
    index.writeUInt32BE(type, i * 16 + 4);
    index.writeUInt32BE(offset, i * 16 + 8);
    index.writeUInt32BE(count, i * 16 + 12);
  });
  return Buffer.concat([MAGIC, intro, index, store]);
}

/** A lead, a signature header (padded to eight bytes), a header naming `compressor`, then `payload`. */
function rpm(compressor: string | undefined, payload = Buffer.from('PAYLOAD')): { bytes: Buffer; offset: number } {
  const signature = header([[62, 7, 0, 16]], Buffer.alloc(13, 1));
  const padding = Buffer.alloc((8 - ((96 + signature.length) % 8)) % 8);
  const store = Buffer.from(`phoreus-t\0${compressor ?? ''}\0`);
  const entries: Array<[number, number, number, number]> = [[1000, 6, 0, 1]];
  if (compressor !== undefined) entries.push([1125, 6, 10, 1]);
  const main = header(entries, store);
  const head = Buffer.concat([Buffer.alloc(96), signature, padding, main]);
  return { bytes: Buffer.concat([head, payload]), offset: head.length };
}

const reader = (bytes: Buffer): ReadAt => (offset, length) => bytes.subarray(offset, offset + length);

describe('locatePayload', () => {
  it('finds the payload after the padded signature header and the header, with its compressor', () => {
    const { bytes, offset } = rpm('zstd');
    expect(locatePayload(reader(bytes))).toEqual({ offset, compressor: 'zstd' });
    expect(bytes.subarray(offset).toString()).toBe('PAYLOAD');
  });

  it('takes gzip, rpm\'s default, when the header names no compressor', () => {
    const { bytes, offset } = rpm(undefined);
    expect(locatePayload(reader(bytes))).toEqual({ offset, compressor: 'gzip' });
  });

  it('refuses headers that do not hold together', () => {
    const { bytes } = rpm('xz');
    expect(() => locatePayload(reader(Buffer.alloc(200)))).toThrow(/signature header does not start with the header magic/);
    expect(() => locatePayload(reader(bytes.subarray(0, 150)))).toThrow(/header/);
    const huge = Buffer.from(bytes);
    huge.writeUInt32BE(0x7fffffff, 96 + 8);
    expect(() => locatePayload(reader(huge))).toThrow(/claims 2147483647 tags/);
    const unterminated = rpm('xz').bytes;
    // The compressor's string runs off the end of the data store.
    unterminated.fill(0x41, unterminated.length - 'PAYLOAD'.length - 3);
    expect(() => locatePayload(reader(unterminated.subarray(0, unterminated.length - 'PAYLOAD'.length)))).toThrow(/compressor tag is malformed/);
  });
});

describe('decompressorFor', () => {
  it('names the tool of each compressor rpm writes, and none for others', () => {
    expect(decompressorFor('zstd')).toEqual(['zstd', '-dcq']);
    expect(decompressorFor('xz')).toEqual(['xz', '-dcq']);
    expect(decompressorFor('lzma')).toEqual(['xz', '-dcq', '--format=lzma']);
    expect(decompressorFor('gzip')).toEqual(['gzip', '-dcq']);
    expect(decompressorFor('bzip2')).toEqual(['bzip2', '-dcq']);
    expect(decompressorFor('lzip')).toBeUndefined();
  });
});

describe('build paths', () => {
  it('are found by the first one named, wherever it is', () => {
    expect(buildPathIn(Buffer.from('/home/runner/work/x and /srv/ci/job-42/y'), ['/srv/ci/job-42'])).toBe('/srv/ci/job-42');
    expect(buildPathIn(Buffer.from('/__w/x then /rpmbuild/BUILDROOT/y'), [])).toBe('/BUILDROOT/');
  });

  it('are found for a build path that does not start with a slash', () => {
    expect(buildPathIn(Buffer.from('made in C:\\ci\\job\\w'), ['C:\\ci\\job'])).toBe('C:\\ci\\job');
  });

  it('are found in a file full of slashes, in linear time', () => {
    const slashes = Buffer.alloc(4 << 20, '/');
    expect(buildPathIn(Buffer.concat([slashes, Buffer.from('/tmp/pip-wheel-abc')]), [])).toBe('/tmp/pip-wheel-');
  });

  it('are found across the seams of the pieces a file streams in', () => {
    const text = Buffer.from(`${'x/'.repeat(2500)}/home/runner/work/p/q${'y'.repeat(3000)}`);
    for (const size of [1, 3, 7, 64, 1000, 5003, 5010, 8192]) {
      const scanner = new BuildPathScanner([]);
      for (let at = 0; at < text.length; at += size) scanner.push(text.subarray(at, at + size));
      expect(scanner.found, `pieces of ${size}`).toBe('/home/runner/work/');
    }
  });
});

describe('RECORD rows', () => {
  it('name the file posix.resolve names, for any spelling of the path', () => {
    const record = '/usr/local/phoreus/t/1/venv/lib/python3.11/site-packages/t-1.dist-info/RECORD';
    const base = posix.dirname(posix.dirname(record));
    fc.assert(fc.property(fc.array(fc.constantFrom('a', 'b.py', '.', '..', '', '.x', '..y', 'bin'), { minLength: 1, maxLength: 6 }), fc.boolean(), (parts, absolute) => {
      const file = `${absolute ? '/' : ''}${parts.join('/')}`;
      const [row] = parseRecord(record, `${file},sha256=AAAA,1`).rows;
      expect(row?.exact?.file).toBe(posix.resolve(base, file));
    }));
  });
});
