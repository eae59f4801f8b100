/**
 * Proves the GitHub service fakes with the real @actions/artifact and @actions/cache clients,
 * called in-process: what goes up comes back byte for byte, and the cache's lookup, duplicate
 * and failure semantics are the service's.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import * as cache from '@actions/cache';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startGitHubServices, type GitHubServices } from '../support/github-services.js';

let services: GitHubServices;
let work: string;
let savedEnv: NodeJS.ProcessEnv;
let savedCwd: string;
let output: string[];

beforeAll(async () => {
  services = await startGitHubServices();
  work = mkdtempSync(join(tmpdir(), 'phoreus-gh-services-'));
});

afterAll(async () => {
  await services.close();
  rmSync(work, { recursive: true, force: true });
});

/**
 * A job step as a runner starts it: the fakes' variables, GITHUB_WORKSPACE as the working
 * directory (the cache client globs relative paths from the cwd) and RUNNER_TEMP. Undone after each test.
 */
function enterStep(workspace: string): void {
  mkdirSync(workspace, { recursive: true });
  mkdirSync(join(work, 'runner-temp'), { recursive: true });
  Object.assign(process.env, services.env, { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: join(work, 'runner-temp') });
  process.chdir(workspace);
}

beforeEach(() => {
  savedEnv = { ...process.env };
  savedCwd = process.cwd();
  output = [];
  // @actions/core writes its log lines and workflow commands to stdout: keep them for assertions.
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  process.chdir(savedCwd);
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  services.failCache(false);
});

function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return files;
}

const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed * 17 + (i >> 7)) & 0xff));

describe('artifact service', () => {
  it('receives a zipped two-file artifact and an unzipped single file byte for byte', async () => {
    const ws = join(work, 'artifact-ws');
    enterStep(ws);
    const dir = join(ws, 'out');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const report = Buffer.from(JSON.stringify({ ok: true, n: 42 }, null, 2));
    // Incompressible and over the client's 8 MiB chunk: the zip goes up as several Put Blocks.
    const blob = randomBytes(9 * 1024 * 1024 + 12_345);
    writeFileSync(join(dir, 'report.json'), report);
    writeFileSync(join(dir, 'sub', 'data.bin'), blob);
    const rpm = bytes(123_457, 2);
    writeFileSync(join(ws, 'hello-1.0-1.el9.x86_64.rpm'), rpm);

    const client = new DefaultArtifactClient();
    const zipped = await client.uploadArtifact('build-report', [join(dir, 'report.json'), join(dir, 'sub', 'data.bin')], dir);
    const raw = await client.uploadArtifact('ignored', [join(ws, 'hello-1.0-1.el9.x86_64.rpm')], ws, { skipArchive: true });

    const got = services.artifacts();
    expect(got.map((a) => a.name)).toEqual(['build-report', 'hello-1.0-1.el9.x86_64.rpm']);
    const [z, r] = got;
    expect(z?.id).toBe(zipped.id);
    expect(z?.size).toBe(zipped.size);
    expect([...(z?.files.keys() ?? [])].sort()).toEqual(['report.json', 'sub/data.bin']);
    expect(z?.files.get('report.json')?.equals(report)).toBe(true);
    expect(z?.files.get('sub/data.bin')?.equals(blob)).toBe(true);
    expect(r?.id).toBe(raw.id);
    expect(r?.size).toBe(rpm.length);
    expect(raw.size).toBe(rpm.length);
    expect([...(r?.files.keys() ?? [])]).toEqual(['hello-1.0-1.el9.x86_64.rpm']);
    expect(r?.files.get('hello-1.0-1.el9.x86_64.rpm')?.equals(rpm)).toBe(true);

    // Azure block upload: Put Block(s) then Put Block List on the signed URL, then finalize.
    expect(services.requests).toContain('POST /twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact');
    expect(services.requests).toContain('POST /twirp/github.actions.results.api.v1.ArtifactService/FinalizeArtifact');
    expect(services.requests.filter((q) => q.startsWith('PUT /devstoreaccount1/actions-results/')).length).toBeGreaterThanOrEqual(5);

    // The same name twice in a run is refused, as by the service.
    await expect(client.uploadArtifact('build-report', [join(dir, 'report.json')], dir)).rejects.toThrow(/409|already exists/);
  });

  it('serves the artifacts back through ListArtifacts, GetSignedArtifactURL and the blob', async () => {
    const ws = join(work, 'download-ws');
    enterStep(ws);
    const client = new DefaultArtifactClient();
    const { artifacts } = await client.listArtifacts();
    expect(artifacts.map((a) => a.name).sort()).toEqual(['build-report', 'hello-1.0-1.el9.x86_64.rpm']);
    for (const a of services.artifacts()) {
      const dest = join(ws, String(a.id));
      const { digestMismatch } = await client.downloadArtifact(a.id, { path: dest, expectedHash: artifacts.find((x) => x.id === a.id)?.digest });
      expect(digestMismatch).toBe(false);
      const downloaded = tree(dest);
      expect([...downloaded.keys()].sort()).toEqual([...a.files.keys()].sort());
      for (const [name, content] of a.files) expect(downloaded.get(name)?.equals(content)).toBe(true);
    }
  });
});

describe('cache service', () => {
  it('saves a directory and restores it into another workspace with identical contents', async () => {
    const ws1 = join(work, 'cache-ws1');
    enterStep(ws1);
    mkdirSync(join(ws1, 'wheelhouse', 'nested'), { recursive: true });
    writeFileSync(join(ws1, 'wheelhouse', 'a-1.0-py3-none-any.whl'), bytes(70_000, 3));
    writeFileSync(join(ws1, 'wheelhouse', 'nested', 'b.txt'), 'hello\n');
    const id = await cache.saveCache(['wheelhouse'], 'wheels-linux-aaaa');
    expect(id).toBeGreaterThan(0);
    const [entry] = services.caches();
    expect(entry?.key).toBe('wheels-linux-aaaa');
    expect(entry?.size).toBe(entry?.data.length);
    expect(entry?.version).toMatch(/^[0-9a-f]{64}$/);

    const ws2 = join(work, 'cache-ws2');
    enterStep(ws2);
    expect(await cache.restoreCache(['wheelhouse'], 'wheels-linux-aaaa')).toBe('wheels-linux-aaaa');
    const before = tree(join(ws1, 'wheelhouse'));
    const after = tree(join(ws2, 'wheelhouse'));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, content] of before) expect(after.get(name)?.equals(content)).toBe(true);
  });

  it('restores by a restore-key prefix, newest first, and only for the same version', async () => {
    const ws = join(work, 'cache-prefix-ws');
    enterStep(ws);
    mkdirSync(join(ws, 'wheelhouse'), { recursive: true });
    writeFileSync(join(ws, 'wheelhouse', 'which'), 'older');
    expect(await cache.saveCache(['wheelhouse'], 'deps-el9-py3.11-1111')).toBeGreaterThan(0);
    writeFileSync(join(ws, 'wheelhouse', 'which'), 'newer');
    expect(await cache.saveCache(['wheelhouse'], 'deps-el9-py3.11-2222')).toBeGreaterThan(0);

    const ws2 = join(work, 'cache-prefix-ws2');
    enterStep(ws2);
    expect(await cache.restoreCache(['wheelhouse'], 'deps-el9-py3.11-3333', ['deps-el8-', 'deps-el9-py3.11-'])).toBe('deps-el9-py3.11-2222');
    expect(readFileSync(join(ws2, 'wheelhouse', 'which'), 'utf8')).toBe('newer');
    // A prefix of the primary key matches too; an exact key wins over newer prefix matches.
    expect(await cache.restoreCache(['wheelhouse'], 'deps-el9-py3.11-', [], { lookupOnly: true })).toBe('deps-el9-py3.11-2222');
    expect(await cache.restoreCache(['wheelhouse'], 'deps-el9-py3.11-1111', ['deps-el9-'], { lookupOnly: true })).toBe('deps-el9-py3.11-1111');
    // Other paths are another version: no match.
    expect(await cache.restoreCache(['elsewhere'], 'deps-el9-py3.11-2222', ['deps-'])).toBeUndefined();
    expect(await cache.restoreCache(['wheelhouse'], 'nothing-like-it', ['nope-'])).toBeUndefined();
  });

  it('a second save of the same key is refused without failing the caller', async () => {
    const ws = join(work, 'cache-dup-ws');
    enterStep(ws);
    mkdirSync(join(ws, 'wheelhouse'), { recursive: true });
    writeFileSync(join(ws, 'wheelhouse', 'x'), 'first');
    expect(await cache.saveCache(['wheelhouse'], 'dup-key')).toBeGreaterThan(0);
    const first = services.caches().find((c) => c.key === 'dup-key');
    writeFileSync(join(ws, 'wheelhouse', 'x'), 'second');
    const uploadsBefore = services.requests.filter((q) => q.startsWith('PUT ')).length;

    expect(await cache.saveCache(['wheelhouse'], 'dup-key')).toBe(-1);

    expect(output.join('')).toMatch(/Failed to save: Unable to reserve cache with key dup-key/);
    expect(services.requests.filter((q) => q.startsWith('PUT ')).length).toBe(uploadsBefore);
    const entries = services.caches().filter((c) => c.key === 'dup-key');
    expect(entries).toHaveLength(1);
    expect(entries[0]?.data.equals(first?.data ?? Buffer.alloc(0))).toBe(true);
  });

  it('with the cache service failing, save and restore only warn and restore misses', async () => {
    const ws = join(work, 'cache-fail-ws');
    enterStep(ws);
    mkdirSync(join(ws, 'wheelhouse'), { recursive: true });
    writeFileSync(join(ws, 'wheelhouse', 'x'), 'never stored');
    const cachesBefore = services.caches().length;
    const seen = services.requests.length;
    services.failCache(true);

    // The clients retry a 500 five times with back-off (~30 s per call): run both at once.
    const [saved, restored] = await Promise.all([
      cache.saveCache(['wheelhouse'], 'failing-key'),
      cache.restoreCache(['wheelhouse'], 'wheels-linux-aaaa'),
    ]);

    expect(saved).toBe(-1);
    expect(restored).toBeUndefined();
    const log = output.join('');
    expect(log).toMatch(/::warning::Failed to restore: .*GetCacheEntryDownloadURL/);
    expect(log).toMatch(/Failed to save: Unable to reserve cache with key failing-key/);
    const during = services.requests.slice(seen);
    expect(during.filter((q) => q.endsWith('.CacheService/CreateCacheEntry'))).toHaveLength(5);
    expect(during.filter((q) => q.endsWith('.CacheService/GetCacheEntryDownloadURL'))).toHaveLength(5);
    expect(during.filter((q) => !q.startsWith('POST /twirp/'))).toEqual([]);
    expect(services.caches()).toHaveLength(cachesBefore);
  }, 120_000);
});
