/**
 * A "simple" package index on 127.0.0.1, serving the wheels in one directory: PEP 691 JSON
 * to a client that asks for it (unless `html` only is wanted), PEP 503 HTML otherwise, with
 * sha256 digests as pip expects. It records requests (and the format of each project page
 * served) so tests can prove that a run did, or did not, touch the index.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface PackageIndex {
  url: string;
  requests: string[];
  /** The format of each project page served, in order. */
  pages: Array<'json' | 'html'>;
  close(): Promise<void>;
}

const normalize = (name: string): string => name.replace(/[-_.]+/g, '-').toLowerCase();

function projectOf(file: string): string {
  return normalize(file.split('-')[0] ?? '');
}

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';

export async function servePackageIndex(dir: string, options: { html?: boolean } = {}): Promise<PackageIndex> {
  const requests: string[] = [];
  const pages: Array<'json' | 'html'> = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    requests.push(path);
    const files = readdirSync(dir).filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz')).sort();
    const simple = /^\/simple\/([^/]+)\/?$/.exec(path);
    if (path === '/simple/' || path === '/simple') {
      const projects = [...new Set(files.map(projectOf))];
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!DOCTYPE html><html><body>${projects.map((p) => `<a href="/simple/${p}/">${p}</a>`).join('\n')}</body></html>`);
    } else if (simple) {
      const wanted = normalize(simple[1] ?? '');
      const mine = files.filter((f) => projectOf(f) === wanted);
      if (mine.length === 0) {
        res.writeHead(404);
        res.end('not found');
        return;
      }
      const digests = mine.map((f) => createHash('sha256').update(readFileSync(join(dir, f))).digest('hex'));
      if (!options.html && (req.headers.accept ?? '').includes(JSON_TYPE)) {
        pages.push('json');
        res.writeHead(200, { 'content-type': JSON_TYPE });
        res.end(JSON.stringify({ meta: { 'api-version': '1.0' }, name: wanted, files: mine.map((f, i) => ({ filename: f, url: `../../files/${f}`, hashes: { sha256: digests[i] } })) }));
        return;
      }
      pages.push('html');
      const links = mine.map((f, i) => `<a href="/files/${f}#sha256=${digests[i]}">${f}</a>`);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!DOCTYPE html><html><body>${links.join('\n')}</body></html>`);
    } else if (path.startsWith('/files/') && files.includes(path.slice(7))) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(readFileSync(join(dir, path.slice(7))));
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple`,
    requests,
    pages,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
