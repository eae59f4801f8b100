/**
 * What the build refuses, and what it does instead where that is sound. Packages without a
 * compatible wheel are built from their hash-verified sdist where that is sound (a pure-Python
 * wheel), refused with the package named and a container pointed to where it is not
 * (compiled code against this machine's newer glibc). A wheel whose .pth file reaches out of
 * the venv makes the audit of the built RPM fail, and nothing but the report is written.
 * The projects are only locks of third-party tools, which is valid too.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePackageIndex, type PackageIndex } from '../support/package-index.js';
import { isolatedEnv, makeWheel, pythonPath, REPO, run, runCli, TEST_CACHE } from '../support/processes.js';
import { pipToolsPython } from '../../src/tools/pip-tools.js';
import { streamLog } from '../../src/report/log.js';

describe('build: refusals, and sdists only where sound', () => {
  let work: string;
  let index: PackageIndex;

  async function lockOnlyProject(name: string, requirement: string): Promise<string> {
    const project = join(work, name);
    mkdirSync(project);
    writeFileSync(join(project, 'requirements.in'), `${requirement}\n`);
    process.env.PHOREUS_RPM_CACHE = TEST_CACHE;
    const pipTools = await pipToolsPython(pythonPath('3.11'), '3.11', streamLog(() => undefined));
    const r = await run(pipTools, ['-m', 'piptools', 'compile', '--quiet', '--generate-hashes', `--index-url=${index.url}`,
      '--output-file=requirements.lock', 'requirements.in'], { cwd: project });
    if (r.status !== 0) throw new Error(r.stderr);
    return project;
  }

  function build(project: string, tool: string) {
    return runCli(['build', '--project', project, '--tool', tool, '--interpreter', '3.11', '--distro', 'el9', '--out', join(project, 'out'),
      '--index-url', index.url], isolatedEnv({ SOURCE_DATE_EPOCH: '1700000000', PHOREUS_RPM_CACHE: join(work, 'cache') }));
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-sdist-it-'));
    const dists = join(work, 'dists');
    for (const args of [['pureonly', '2.0'], ['compiledonly', '3.1', '--platform']]) {
      const r = await run(pythonPath('3.11'), [join(REPO, 'test/support/make_sdist.py'), dists, ...args]);
      if (r.status !== 0) throw new Error(r.stderr);
    }
    makeWheel(dists, 'leaky', '1.0', ['--pth', '/usr/lib/python3.11/site-packages']);
    index = await servePackageIndex(dists);
  });

  afterAll(async () => {
    await index?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('builds a pure-Python sdist into the wheelhouse, pinned by the sdist hash and the built wheel hash', async () => {
    const project = await lockOnlyProject('pure', 'pureonly==2.0');
    const r = await build(project, 'pureonly');
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toContain('pureonly: building from its sdist (no wheel for el9 x86_64)');
    const report = JSON.parse(readFileSync(join(project, 'out/build-report.json'), 'utf8'));
    // A lock-only project: the tool is named, its version is the lock's pin.
    expect(report.package).toBe('phoreus-pureonly-2.0');
    const files = await run('rpm', ['-qpl', report.artifacts.rpm]);
    expect(files.stdout).toContain('/usr/local/phoreus/pureonly/2.0/venv/lib/python3.11/site-packages/pureonly/__init__.py');
    const sources = await run('sh', ['-c', `rpm2cpio "${report.artifacts.srpm}" | cpio -i --to-stdout --quiet wheelhouse.tar | tar -t`]);
    expect(sources.stdout.split('\n').sort()).toEqual(['', 'wheelhouse/', 'wheelhouse/pureonly-2.0-py3-none-any.whl', 'wheelhouse/pureonly-2.0.tar.gz']);
    const install = await run('sh', ['-c', `rpm2cpio "${report.artifacts.srpm}" | cpio -i --to-stdout --quiet install.lock`]);
    expect(install.stdout.match(/--hash=sha256:/g)).toHaveLength(2);
  });

  it('refuses an sdist of compiled code built against a newer glibc, naming the package and the container', async () => {
    const project = await lockOnlyProject('compiled', 'compiledonly==3.1');
    const r = await build(project, 'compiledonly');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/build stopped: compiledonly has no wheel for el9 x86_64, and its sdist builds compiled code .*`container: rockylinux:9` in the workflow/);
    const report = JSON.parse(readFileSync(join(project, 'out/build-report.json'), 'utf8'));
    expect(report.ok).toBe(false);
    expect(report.artifacts).toBeUndefined();
    const written = await run('ls', [join(project, 'out')]);
    expect(written.stdout.trim()).toBe('build-report.json');
  });

  it('fails when the audit of the built RPM finds an error, writing nothing but the report', async () => {
    const project = await lockOnlyProject('leaky', 'leaky==1.0');
    const r = await build(project, 'leaky');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('build stopped: the audit of the built RPM found errors');
    expect(r.stdout).toMatch(/site-packages\/leaky\.pth:1: error PH303: leaky\.pth adds \/usr\/lib\/python3\.11\/site-packages to the module search path/);
    const report = JSON.parse(readFileSync(join(project, 'out/build-report.json'), 'utf8'));
    expect(report.ok).toBe(false);
    expect(report.findings.map((f: { rule: string }) => f.rule)).toContain('PH303');
    const written = await run('ls', [join(project, 'out')]);
    expect(written.stdout.trim()).toBe('build-report.json');
  });
});
