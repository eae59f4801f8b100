/**
 * The bundled action in mode build, run as a runner runs it, against local fakes of GitHub's
 * artifact and cache services (the real @actions/artifact and @actions/cache code runs end to
 * end), a local package index, and a local RPM repository made by createrepo_c.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runActionWith, type ActionRun } from '../support/action-runner.js';
import { startGitHubServices, type GitHubServices } from '../support/github-services.js';
import { EPOCH, helloToolIndex, lockHelloTool } from '../support/hello-tool.js';
import type { PackageIndex } from '../support/package-index.js';
import { run } from '../support/processes.js';
import { requiredCommand } from '../support/required-tools.js';

const SECRET = 'idx-s3cret-7f2a';

/** Serves a directory over HTTP on 127.0.0.1: the published RPM repository. */
async function serveDirectory(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/'));
    if (!path.startsWith(dir) || !existsSync(path)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200);
    res.end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('action, mode build, on a runner with artifact and cache services', () => {
  let work: string;
  let index: PackageIndex;
  let services: GitHubServices;
  let workspace: string;
  let first: ActionRun;
  const indexUrl = (): string => index.url.replace('http://', `http://builder:${SECRET}@`);

  function build(inputs: Record<string, string>, env: Record<string, string> = {}, toolCache = join(work, `tool-cache-${Math.random()}`)): Promise<ActionRun> {
    mkdirSync(toolCache, { recursive: true });
    return runActionWith(
      { mode: 'build', project: 'hello-tool', interpreter: '3.11', distro: 'el9', 'index-url': indexUrl(), ...inputs },
      { workspace, root: work, env: { ...services.env, SOURCE_DATE_EPOCH: EPOCH, RUNNER_TOOL_CACHE: toolCache, ...env } },
    );
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-action-build-'));
    index = await helloToolIndex(join(work, 'wheels'), ['3.11']);
    services = await startGitHubServices();
    const project = await lockHelloTool(work, index, '3.11');
    workspace = join(work, 'workspace');
    mkdirSync(workspace);
    await run('cp', ['-a', project, join(workspace, 'hello-tool')]);
    first = await build({});
  });

  afterAll(async () => {
    await index?.close();
    await services?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('builds, sets its outputs, and uploads the RPM, SRPM and modulefile unzipped and the report zipped', () => {
    expect(first.status, first.stdout.slice(-3000)).toBe(0);
    const { rpm, srpm, modulefile, report } = first.outputs;
    for (const path of [rpm, srpm, modulefile, report]) expect(existsSync(path ?? '')).toBe(true);
    expect(first.outputs['findings-errors']).toBe('0');

    const artifacts = services.artifacts();
    const ids = JSON.parse(first.outputs['artifact-ids'] ?? '{}');
    expect(Object.keys(ids).sort()).toEqual(['distro', 'interpreter', 'modulefile', 'report', 'rpm', 'sbom', 'srpm']);
    const byId = new Map(artifacts.map((a) => [a.id, a]));
    const rpmArtifact = byId.get(ids.rpm);
    expect(rpmArtifact?.name).toBe('phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64.py3.11.rpm');
    expect([...(rpmArtifact?.files.values() ?? [])][0]?.equals(readFileSync(rpm ?? ''))).toBe(true);
    expect(byId.get(ids.srpm)?.name).toBe('phoreus-hello-tool-1.0.0-1.0.0-1.el9.py3.11.src.rpm');
    expect([...(byId.get(ids.srpm)?.files.values() ?? [])][0]?.equals(readFileSync(srpm ?? ''))).toBe(true);
    expect(byId.get(ids.modulefile)?.name).toBe('hello-tool-1.0.0.py3.11.el9.lua');
    expect([...(byId.get(ids.modulefile)?.files.values() ?? [])][0]?.toString()).toBe(readFileSync(modulefile ?? '', 'utf8'));
    expect(byId.get(ids.sbom)?.name).toBe('phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64.py3.11.cdx.json');
    expect([...(byId.get(ids.sbom)?.files.values() ?? [])][0]?.toString()).toBe(readFileSync(first.outputs.sbom ?? '', 'utf8'));
    expect(byId.get(ids.report)?.name).toBe('phoreus-hello-tool-1.0.0-py3.11-el9-x86_64-report');
    expect(JSON.parse(byId.get(ids.report)?.files.get('build-report.json')?.toString() ?? '{}').ok).toBe(true);
  });

  it('masks the index credential and writes it nowhere: log, summary, report, artifacts', () => {
    expect(first.masks).toContain(SECRET);
    expect(first.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')).not.toContain(SECRET);
    expect(first.summary).not.toContain(SECRET);
    expect(readFileSync(first.outputs.report ?? '', 'utf8')).not.toContain(SECRET);
    for (const artifact of services.artifacts()) {
      for (const data of artifact.files.values()) expect(data.includes(SECRET)).toBe(false);
    }
  });

  it('writes log groups and a job summary with what was built and how long each phase took', () => {
    for (const group of ['Verify the lock', 'Fetch the wheelhouse', 'Build the RPM and SRPM', 'Audit the RPM', 'Upload the artifacts']) expect(first.groups).toContain(group);
    expect(first.stdout).toMatch(/wheel 1 of \d+: /);
    for (const text of ['phoreus-hello-tool-1.0.0-1', 'Python 3.11', 'el9 / x86_64', 'RPM size', 'Files', 'Wheels', 'Fetch the wheelhouse']) expect(first.summary).toContain(text);
  });

  it('saves the wheelhouse in the cache, and a second runner restores it without touching the index', async () => {
    const entries = services.caches();
    expect(entries).toHaveLength(1);
    expect(entries[0]?.key).toMatch(/^phoreus-wheelhouse-x86_64-el9-py3\.11-[0-9a-f]{32}$/);
    const before = index.requests.length;
    const second = await build({ upload: 'false' });
    expect(second.status, second.stdout.slice(-2000)).toBe(0);
    expect(index.requests.length).toBe(before);
    expect(JSON.parse(readFileSync(second.outputs.report ?? '', 'utf8')).wheelhouseFromCache).toBe(true);
    expect(second.outputs['artifact-ids']).toBeUndefined();
    expect(services.caches()).toHaveLength(1);
  });

  it('uploads nothing when the build fails', async () => {
    const broken = join(workspace, 'broken');
    await run('cp', ['-a', join(workspace, 'hello-tool'), broken]);
    const lock = join(broken, 'requirements.lock');
    writeFileSync(lock, readFileSync(lock, 'utf8').replace(/--hash=sha256:[0-9a-f]{64}/g, ''));
    const uploadsBefore = services.requests.filter((r) => r.includes('CreateArtifact')).length;
    const failed = await build({ project: 'broken' });
    expect(failed.status).toBe(1);
    expect(failed.annotations.some((a) => a.properties.title?.startsWith('PH104') && a.properties.file === 'broken/requirements.lock')).toBe(true);
    expect(services.requests.filter((r) => r.includes('CreateArtifact')).length).toBe(uploadsBefore);
    expect(failed.outputs.rpm).toBeUndefined();
  });

  it('treats a cache service error as a warning, never a failure', async () => {
    services.failCache(true);
    try {
      const r = await build({ upload: 'false' });
      expect(r.status, r.stdout.slice(-2000)).toBe(0);
      expect(r.annotations.filter((a) => a.command === 'error')).toEqual([]);
      expect(r.annotations.some((a) => a.command === 'warning' && /cache/i.test(a.message))).toBe(true);
    } finally {
      services.failCache(false);
    }
  });

  it('takes the version from a v-tag, and refuses to publish the same version again (PH401) before building anything', async () => {
    const repo = join(work, 'repo');
    mkdirSync(repo, { recursive: true });
    let created = await run(requiredCommand('createrepo_c', 'createrepo-c'), ['--quiet', '--general-compress-type=gz', repo]);
    expect(created.status, created.stderr).toBe(0);
    const server = await serveDirectory(repo);
    try {
      const tag = { GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: 'v1.0.0' };
      const released = await build({ 'published-repo': server.url, upload: 'false' }, tag);
      expect(released.status, released.stdout.slice(-2000)).toBe(0);
      expect(released.stdout).toContain('phoreus-hello-tool-1.0.0-1.0.0-1.el9 is not in');

      copyFileSync(released.outputs.rpm ?? '', join(repo, basename(released.outputs.rpm ?? '')));
      created = await run(requiredCommand('createrepo_c', 'createrepo-c'), ['--quiet', '--general-compress-type=gz', '--update', repo]);
      expect(created.status, created.stderr).toBe(0);
      const requestsBefore = index.requests.length;
      const again = await build({ 'published-repo': server.url }, tag);
      expect(again.status).toBe(1);
      const refusal = again.annotations.find((a) => a.properties.title?.startsWith('PH401'));
      expect(refusal?.message).toContain('phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64 is already published');
      expect(again.groups).not.toContain('Fetch the wheelhouse');
      expect(index.requests.length).toBe(requestsBefore);
      expect(again.outputs.rpm).toBeUndefined();

      const bumped = await build({ 'published-repo': server.url, release: '2', upload: 'false' }, tag);
      expect(bumped.status, bumped.stdout.slice(-2000)).toBe(0);
      expect(bumped.outputs.rpm).toMatch(/phoreus-hello-tool-1\.0\.0-1\.0\.0-2\.el9\.x86_64\.rpm$/);
    } finally {
      await server.close();
    }
  });
});
