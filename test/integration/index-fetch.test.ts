/**
 * The locked files fetched straight from a local index, as pip would choose them: PEP 691
 * JSON or PEP 503 HTML pages, find-links directories, the most specific fitting wheel, every
 * file hashed as it streams and refused, leaving nothing behind, when the lock does not allow it.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexReader } from '../../src/rpm/index-fetch.js';
import { supportedTags } from '../../src/rpm/wheel-tags.js';
import { distro } from '../../src/plan/distros.js';
import { servePackageIndex, type PackageIndex } from '../support/package-index.js';
import { makeWheel } from '../support/processes.js';

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const el9 = supportedTags('3.11', distro('el9'), 'x86_64');

describe('fetching locked files from the index', () => {
  let work: string;
  let wheels: string;
  let json: PackageIndex;
  let html: PackageIndex;
  let pure: string;
  let compiled: string;
  let other: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-index-fetch-'));
    wheels = join(work, 'wheels');
    pure = makeWheel(wheels, 'demo', '1.0');
    compiled = makeWheel(wheels, 'demo', '1.0', ['--tag', 'cp311-cp311-manylinux_2_17_x86_64', '--payload', 'compiled = True']);
    other = makeWheel(wheels, 'other', '2.0');
    json = await servePackageIndex(wheels);
    html = await servePackageIndex(wheels, { html: true });
  });

  afterAll(async () => {
    await json?.close();
    await html?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const dest = (): string => mkdtempSync(join(work, 'dest-'));
  const demo = (hashes: string[]) => ({ name: 'demo', version: '1.0', hashes });

  it.each([['JSON', () => json, 'json'], ['HTML', () => html, 'html']] as const)('reads a %s index and takes the most specific locked wheel', async (_format, index, page) => {
    const dir = dest();
    const reader = new IndexReader({ indexes: [index().url], findLinks: [] }, 5);
    const { fetched, none } = await reader.fetch([demo([sha256(pure), sha256(compiled)]), { name: 'other', version: '2.0', hashes: [sha256(other)] }], false, el9, dir);
    expect(none).toEqual([]);
    expect(fetched.map((f) => f.file).sort()).toEqual([basename(compiled), basename(other)].sort());
    for (const f of fetched) expect(sha256(f.path)).toBe(f.digest);
    expect(readdirSync(dir).sort()).toEqual([basename(compiled), basename(other)].sort());
    expect(index().pages.at(-1)).toBe(page);
  });

  it('takes a locked pure wheel when the compiled one is not locked, and reports a package without any wheel', async () => {
    const dir = dest();
    const reader = new IndexReader({ indexes: [json.url], findLinks: [] }, 5);
    const { fetched, none } = await reader.fetch([demo([sha256(pure)]), { name: 'absent', version: '1.0', hashes: ['0'.repeat(64)] }], false, el9, dir);
    expect(fetched.map((f) => f.file)).toEqual([basename(pure)]);
    expect(none.map((p) => p.name)).toEqual(['absent']);
  });

  it('reads a find-links directory, hashing its files', async () => {
    const links = join(work, 'links');
    mkdirSync(links, { recursive: true });
    cpSync(pure, join(links, basename(pure)));
    const reader = new IndexReader({ indexes: [], findLinks: [links] }, 5);
    const { fetched } = await reader.fetch([demo([sha256(pure)])], false, el9, dest());
    expect(fetched.map((f) => f.digest)).toEqual([sha256(pure)]);
  });

  it('refuses a package whose fitting files the lock does not allow, downloading nothing', async () => {
    const dir = dest();
    const reader = new IndexReader({ indexes: [json.url], findLinks: [] }, 5);
    await expect(reader.fetch([demo(['f'.repeat(64)])], false, el9, dir)).rejects.toThrow(/^hash verification failed for demo: the index served a file whose sha256 is not in the lock \(charter §13\)/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file whose content is not the locked digest the index announced, and keeps none of it', async () => {
    const locked = sha256(pure);
    const server = createServer((req, res) => {
      if (req.url === '/simple/demo/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<a href="/f/${basename(pure)}#sha256=${locked}">x</a>`);
      } else {
        res.writeHead(200);
        res.end(readFileSync(other));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const dir = dest();
      const reader = new IndexReader({ indexes: [`http://127.0.0.1:${(server.address() as AddressInfo).port}/simple`], findLinks: [] }, 5);
      await expect(reader.fetch([demo([locked])], false, el9, dir)).rejects.toThrow(/^hash verification failed for demo/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
