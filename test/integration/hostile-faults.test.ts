/**
 * Secrets (class 4) and faults (class 10) against the real CLI and the bundled action:
 * credentials in every place a URL can be given never reach any output; an index that fails
 * is named with its status, within a bounded time; builds sharing a cache both succeed; an
 * interrupted build stops its children and leaves no temporary file.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPOCH, helloToolIndex, lockHelloTool } from '../support/hello-tool.js';
import { action, cli, copyOf, everything } from '../support/hostile.js';
import type { PackageIndex } from '../support/package-index.js';
import { CLI, isolatedEnv, run } from '../support/processes.js';

/** A server that fails the way broken indexes and repositories do: HTTP 500, a dropped connection, or no answer. */
async function faultyServer(mode: '500' | 'close' | 'hang'): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (mode === '500') {
      res.writeHead(500);
      res.end('internal error');
    } else if (mode === 'close') {
      req.socket.destroy();
    }
    // 'hang': never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

/** The SRPM's unpacked payload (spec, lock, configuration in force, wheelhouse) as text, to look for a secret in. */
async function srpmText(srpm: string): Promise<string> {
  const r = await run('sh', ['-c', 'rpm2cpio "$1" | cpio -i --quiet --to-stdout', 'sh', srpm]);
  return r.stdout;
}

describe('secrets and faults', () => {
  let work: string;
  let index: PackageIndex;
  let locked: string;

  const project = (): string => copyOf(locked, work);
  const build = (dir: string, indexUrl: string, env: Record<string, string> = {}, cache = `${dir}-cache`) =>
    cli(work, ['build', '--project', dir, '--interpreter', '3.11', '--out', join(dir, 'out'), '--index-url', indexUrl, '--no-smoke-test'], { SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: cache, ...env });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-hostile-faults-'));
    index = await helloToolIndex(join(work, 'wheels'), ['3.11']);
    locked = await lockHelloTool(work, index, '3.11');
  });

  afterAll(async () => {
    await index?.close();
    rmSync(work, { recursive: true, force: true });
  });

  describe('class 4: credentials', () => {
    const PASSWORD = 'p@ss@w:rd-7f3a';
    const fragments = [PASSWORD, 'ss@w:rd', 'w:rd-7f3a', encodeURIComponent(PASSWORD), 'p%40ss'];

    it('keeps a published-repo password holding "@" out of every output of a failed action, and masks it', async () => {
      const repo = await faultyServer('500');
      try {
        const dir = project();
        const url = `${repo.url.replace('http://', `http://ci:${PASSWORD}@`)}/repo`;
        const r = await action(work, { mode: 'build', project: '.', interpreter: '3.11', 'index-url': index.url, 'published-repo': url, cache: 'false' }, dir, { PHOREUS_RPM_CACHE: join(work, 'cache-repo') });
        expect(r.status).not.toBe(0);
        expect(r.annotations.some((a) => a.command === 'error' && /published repository answered HTTP 500/.test(a.message))).toBe(true);
        expect(r.masks).toContain(PASSWORD);
        const report = r.outputs.report && existsSync(r.outputs.report) ? readFileSync(r.outputs.report, 'utf8') : '';
        const all = everything(r, report).replace(/^::add-mask::.*$/gm, '');
        for (const f of fragments) expect(all).not.toContain(f);
      } finally {
        await repo.close();
      }
    });

    it('keeps an index password out of the CLI\'s outputs, the report, the spec and the SRPM', async () => {
      const dir = project();
      const secret = 's3cr3t@tok:9Zq';
      const r = await build(dir, index.url.replace('http://', `http://ci:${secret}@`));
      expect(r.status, r.stderr).toBe(0);
      const reportText = readFileSync(join(dir, 'out', 'build-report.json'), 'utf8');
      const srpm = JSON.parse(reportText).artifacts.srpm as string;
      const all = `${everything(r, reportText)}\n${await srpmText(srpm)}`;
      for (const f of [secret, 's3cr3t', 'tok:9Zq', encodeURIComponent(secret)]) expect(all).not.toContain(f);
    });

    it.each([
      ['phoreus.yaml', (dir: string) => writeFileSync(join(dir, 'phoreus.yaml'), 'registries:\n  index-url: https://deploy:ghp_0123456789abcdefXYZ@pypi.example.org/simple\n')],
      ['the lock', (dir: string) => writeFileSync(join(dir, 'requirements.lock'), `--extra-index-url https://ghp_0123456789abcdefXYZ@pypi.example.org/simple\n${readFileSync(join(dir, 'requirements.lock'), 'utf8')}`)],
    ])('reports a credential in %s (PH112) without printing it in text, JSON or SARIF', async (_where, plant) => {
      const dir = project();
      plant(dir);
      for (const format of ['text', 'json', 'sarif']) {
        const r = await cli(work, ['verify', '--project', dir, '--interpreter', '3.11', '--offline', '--format', format]);
        expect(r.status).toBe(1);
        expect(r.stdout).toContain('PH112');
        expect(everything(r)).not.toContain('ghp_0123456789abcdefXYZ');
      }
    });
  });

  describe('class 10: an index that fails', () => {
    it.each([
      ['answers HTTP 500', '500' as const, {}, /build stopped: the package index answered HTTP 500 for http:\/\/127\.0\.0\.1:\d+\/simple\/\S+\//],
      ['drops every connection', 'close' as const, {}, /build stopped: the package index cannot be reached at http:\/\/127\.0\.0\.1:\d+\/simple\/\S+\/ \((ECONNRESET|socket hang up)\)/],
      ['never answers', 'hang' as const, { PHOREUS_RPM_INDEX_TIMEOUT: '2' }, /build stopped: the package index cannot be reached at .* \(no answer within 2 s\)/],
    ])('is named with what it did when it %s, and no sdist is tried', async (_what, mode, env, says) => {
      const server = await faultyServer(mode);
      try {
        const dir = project();
        // The lock records the index it was compiled against, which pip would use as well: only the failing one remains.
        const lock = join(dir, 'requirements.lock');
        writeFileSync(lock, readFileSync(lock, 'utf8').replace(/^--index-url .*\n/m, ''));
        const started = Date.now();
        const r = await build(dir, `${server.url}/simple`, env);
        const seconds = (Date.now() - started) / 1000;
        expect(r.status).toBe(1);
        expect(r.stdout).toMatch(says);
        expect(r.stderr).not.toContain('building from its sdist');
        expect(readdirSync(join(dir, 'out'))).toEqual(['build-report.json']);
        expect(r.leftovers).toEqual([]);
        expect(seconds).toBeLessThan(90);
      } finally {
        await server.close();
      }
    });
  });

  describe('class 10: builds side by side, and interrupted', () => {
    it('builds two projects at once from one cache', async () => {
      const cache = join(work, 'shared-cache');
      const [a, b] = [project(), project()];
      const [ra, rb] = await Promise.all([build(a, index.url, {}, cache), build(b, index.url, {}, cache)]);
      expect(ra.status, ra.stderr).toBe(0);
      expect(rb.status, rb.stderr).toBe(0);
      expect(ra.leftovers).toEqual([]);
      expect(rb.leftovers).toEqual([]);
    });

    it('stops rpmbuild and removes its temporary files on SIGTERM', async () => {
      const dir = project();
      const tmp = mkdtempSync(join(work, 'tmp-sigterm-'));
      const child = spawn(process.execPath, [CLI, 'build', '--project', dir, '--interpreter', '3.11', '--out', join(dir, 'out'), '--index-url', index.url, '--no-smoke-test'],
        { env: isolatedEnv({ TMPDIR: tmp, SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: join(work, 'cache-sigterm') }) });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`rpmbuild never started:\n${stderr}`)), 240_000);
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (/rpmbuild -ba /.test(stderr)) {
            clearTimeout(timer);
            // Let rpmbuild get under way, with pip running in its %build.
            setTimeout(resolve, 1500);
          }
        });
      });
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(stderr).toMatch(/SIGTERM: stopping \d+ child process\(es\) and removing temporary files/);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // No process of the build is left: none names its temporary directory.
      const left = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(tmp);
        } catch {
          return false;
        }
      });
      expect(left).toEqual([]);
      expect(readdirSync(tmp)).toEqual([]);
      expect(existsSync(join(dir, 'out', 'phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64.rpm'))).toBe(false);
    });
  });
});
