/**
 * The bundled action's release paths, run as a runner runs it against the local fakes of
 * GitHub's artifact and cache services: mode build with the signing-key and signing-passphrase
 * inputs (a key made by gpg here) signs the audited RPM and SRPM, uploads the SBOM, and gives
 * the provenance subjects; mode audit with public-key checks the signature; mode publish adds
 * the packages to a repository in the workspace, signs repomd.xml, and refuses the same release
 * again leaving the repository as it was. The key and its passphrase appear in no output.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runActionWith, type ActionRun } from '../support/action-runner.js';
import { startGitHubServices, type GitHubServices } from '../support/github-services.js';
import { EPOCH, helloToolIndex, lockHelloTool } from '../support/hello-tool.js';
import type { PackageIndex } from '../support/package-index.js';
import { run } from '../support/processes.js';
import { treeDigests } from '../support/tree-digests.js';
import { TestKeyring, type TestKey } from '../support/release-keys.js';

const PASSPHRASE = 'action-passphrase-41d7e0';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');


describe('action: signing, SBOM, provenance subjects and publish on a runner', () => {
  let work: string;
  let index: PackageIndex;
  let services: GitHubServices;
  let keys: TestKeyring;
  let release: TestKey;
  let workspace: string;
  let built: ActionRun;
  const runs: ActionRun[] = [];

  async function action(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
    const r = await runActionWith(inputs, { workspace, root: work, env: { ...services.env, SOURCE_DATE_EPOCH: EPOCH, ...env } });
    runs.push(r);
    return r;
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-action-release-'));
    keys = new TestKeyring(work);
    release = await keys.generate('Action Release', 'ed25519', PASSPHRASE);
    index = await helloToolIndex(join(work, 'wheels'), ['3.11']);
    services = await startGitHubServices();
    const project = await lockHelloTool(work, index, '3.11');
    workspace = join(work, 'workspace');
    mkdirSync(workspace);
    await run('cp', ['-a', project, join(workspace, 'hello-tool')]);
    built = await action({
      mode: 'build', project: 'hello-tool', interpreter: '3.11', distro: 'el9', 'index-url': index.url, out: 'out',
      'signing-key': release.armoured, 'signing-passphrase': PASSPHRASE,
    }, { RUNNER_TOOL_CACHE: join(work, 'tool-cache') });
  });

  afterAll(async () => {
    await keys?.close();
    await index?.close();
    await services?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('signs the audited RPM and SRPM, uploads the SBOM, and outputs the sha256 of every file it produced as subjects', () => {
    expect(built.status, built.stdout.slice(-3000)).toBe(0);
    expect(built.groups).toContain('Sign the RPM and SRPM');
    const { rpm, srpm, modulefile, sbom, report, subjects } = built.outputs;
    const lines = (subjects ?? '').split('\n');
    expect(lines).toEqual([
      `${sha256(rpm ?? '')}  phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64.py3.11.rpm`,
      `${sha256(srpm ?? '')}  phoreus-hello-tool-1.0.0-1.0.0-1.el9.py3.11.src.rpm`,
      `${sha256(modulefile ?? '')}  hello-tool-1.0.0.py3.11.el9.lua`,
      `${sha256(sbom ?? '')}  phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64.py3.11.cdx.json`,
      `${sha256(report ?? '')}  phoreus-hello-tool-1.0.0-py3.11-el9-x86_64-report/build-report.json`,
    ]);
    const ids = JSON.parse(built.outputs['artifact-ids'] ?? '{}');
    const artifact = services.artifacts().find((a) => a.id === ids.sbom);
    expect(artifact?.name).toBe('phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64.py3.11.cdx.json');
    expect([...(artifact?.files.values() ?? [])][0]?.equals(readFileSync(sbom ?? ''))).toBe(true);
  });

  it('mode audit with public-key passes the signed RPM', async () => {
    const r = await action({ mode: 'audit', rpm: relative(workspace, built.outputs.rpm ?? ''), 'public-key': release.public });
    expect(r.status, r.stdout.slice(-2000)).toBe(0);
    expect(r.outputs['findings-errors']).toBe('0');
  });

  it('mode publish adds the RPM and SRPM to a repository in the workspace and signs repomd.xml; the same release again is refused and changes nothing', async () => {
    const inputs = { mode: 'publish', repo: 'site/el9', rpms: 'out/*.rpm', 'signing-key': release.armoured, 'signing-passphrase': PASSPHRASE };
    const first = await action(inputs);
    expect(first.status, first.stdout.slice(-2000)).toBe(0);
    const repo = join(workspace, 'site', 'el9');
    expect(readdirSync(join(repo, 'Packages')).sort()).toEqual([basename(built.outputs.rpm ?? ''), basename(built.outputs.srpm ?? '')].sort());
    expect(readdirSync(join(repo, 'repodata'))).toContain('repomd.xml.asc');
    const subjects = (first.outputs.subjects ?? '').split('\n');
    expect(subjects).toContain(`${sha256(join(repo, 'repodata', 'repomd.xml'))}  site/el9/repodata/repomd.xml`);
    expect(subjects).toContain(`${sha256(join(repo, 'Packages', basename(built.outputs.rpm ?? '')))}  site/el9/Packages/${basename(built.outputs.rpm ?? '')}`);
    expect(first.summary).toContain('repomd.xml signed');

    const before = treeDigests(repo);
    const again = await action(inputs);
    expect(again.status).toBe(1);
    expect(again.annotations.some((a) => a.command === 'error' && a.properties.title?.startsWith('PH401'))).toBe(true);
    expect(again.outputs.subjects).toBeUndefined();
    expect(treeDigests(repo)).toEqual(before);
    expect(readdirSync(join(workspace, 'site'))).toEqual(['el9']);
  });

  it('masks the key and its passphrase and writes them nowhere: log, outputs, summaries, reports, artifacts, the repository', () => {
    const armour = release.armoured.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
    expect(built.masks).toContain(PASSPHRASE);
    for (const line of armour) expect(built.masks).toContain(line);
    const texts = runs.flatMap((r) => [
      r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'), r.stderr, r.summary, JSON.stringify(r.outputs),
      ...(r.outputs.report ? [readFileSync(r.outputs.report, 'utf8')] : []),
    ]);
    for (const artifact of services.artifacts()) for (const data of artifact.files.values()) texts.push(data.toString('latin1'));
    for (const [file] of Object.entries(treeDigests(join(workspace, 'site')))) texts.push(readFileSync(join(workspace, 'site', file)).toString('latin1'));
    for (const text of texts) {
      expect(text).not.toContain(PASSPHRASE);
      for (const line of armour) expect(text).not.toContain(line);
    }
  });
});
