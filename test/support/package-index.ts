/**
 * A PEP 503 "simple" package index on 127.0.0.1, serving the wheels in one directory,
 * with sha256 fragments as pip expects. It counts requests so tests can prove that a
 * run did, or did not, touch the index.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface PackageIndex {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

const normalize = (name: string): string => name.replace(/[-_.]+/g, '-').toLowerCase();

function projectOf(file: string): string {
  return normalize(file.split('-')[0] ?? '');
}

export async function servePackageIndex(dir: string): Promise<PackageIndex> {
  const requests: string[] = [];
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
      const links = mine.map((f) => {
        const digest = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
        return `<a href="/files/${f}#sha256=${digest}">${f}</a>`;
      });
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
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
