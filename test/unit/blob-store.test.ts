/**
 * The blob store: files kept by content, checked again whenever used, written by rename,
 * evicted least recently used first.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../../src/tools/blob-store.js';

const work = mkdtempSync(join(tmpdir(), 'phoreus-blobs-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

function file(name: string, content: string): string {
  const dir = mkdtempSync(join(work, 'in-'));
  writeFileSync(join(dir, name), content);
  return join(dir, name);
}

describe('BlobStore', () => {
  it('keeps a file by its digest and places a checked copy under its own name', async () => {
    const store = new BlobStore(join(work, 'a'));
    const digest = await store.add(file('alpha-1.0-py3-none-any.whl', 'alpha'));
    expect(digest).toBe(sha('alpha'));
    const placed = await store.place(digest, join(work, 'a-out'));
    expect(placed?.name).toBe('alpha-1.0-py3-none-any.whl');
    expect(readFileSync(placed?.path ?? '', 'utf8')).toBe('alpha');
  });

  it('refuses a blob whose bytes are not its digest, and drops it', async () => {
    const store = new BlobStore(join(work, 'b'));
    const digest = await store.add(file('beta-1.0-py3-none-any.whl', 'beta'));
    writeFileSync(join(work, 'b', 'sha256', digest), 'planted');
    expect(await store.place(digest, join(work, 'b-out'))).toBeUndefined();
    expect(store.has(digest)).toBe(false);
  });

  it('refuses a recorded name that is a path or holds shell characters', async () => {
    const store = new BlobStore(join(work, 'c'));
    const digest = await store.add(file('gamma-1.0-py3-none-any.whl', 'gamma'));
    for (const name of ['../../etc/passwd', 'x$(touch y).whl', 'a b.whl', '']) {
      writeFileSync(join(work, 'c', 'sha256', `${digest}.name`), name);
      expect(await store.place(digest, join(work, 'c-out'))).toBeUndefined();
    }
  });

  it('refuses a digest that is not 64 hex digits', async () => {
    const store = new BlobStore(join(work, 'd'));
    expect(store.has('../x')).toBe(false);
    expect(await store.place('../../x', join(work, 'd-out'))).toBeUndefined();
  });

  it('evicts the least recently used blobs beyond the limit, never the ones kept', async () => {
    const store = new BlobStore(join(work, 'e'));
    const digests = [];
    for (const [i, name] of ['old', 'mid', 'new'].entries()) {
      const d = await store.add(file(`${name}-1.0-py3-none-any.whl`, name.repeat(100)));
      utimesSync(join(work, 'e', 'sha256', d), 1000 + i, 1000 + i);
      digests.push(d);
    }
    const [old = '', mid = '', recent = ''] = digests;
    expect(store.evict(650, new Set([old]))).toEqual({ removed: 1, bytes: 600 });
    expect([store.has(old), store.has(mid), store.has(recent)]).toEqual([true, false, true]);
  });

  it('removes temporary files a killed run left a day ago', () => {
    const dir = join(work, 'f', 'sha256');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${sha('x')}.123.456.tmp`), 'half');
    utimesSync(join(dir, `${sha('x')}.123.456.tmp`), 1, 1);
    new BlobStore(join(work, 'f')).evict(1e9, new Set());
    expect(() => readFileSync(join(dir, `${sha('x')}.123.456.tmp`))).toThrow();
  });
});
