/**
 * What the build refuses, and what it does instead where that is sound. Packages without a
 * compatible wheel are built from their hash-verified sdist where that is sound (a pure-Python
 * wheel), refused with the package named and a container pointed to where it is not
 * (compiled code against this machine's newer glibc). Each sdist is built through PEP 517, its
 * backend pinned by a build lock or resolved (PH116), recorded, and its failure said in the
 * backend's own words, with a container advised only for a missing compiler or library. A wheel whose .pth file reaches out of
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
import { streamLog } from '../../src/core/log.js';

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
    for (const args of [
      ['pureonly', '2.0'], ['compiledonly', '3.1', '--platform'],
      ['fixture-backend', '1.0', '--backend-wheel'], ['viabackend', '1.5', '--backend-from', 'fixture-backend'],
      ['brokenpkg', '0.9', '--fail', 'running build_py', '--fail', 'error: package directory \'src/brokenpkg\' does not exist'],
      ['needscc', '0.3', '--fail', "building 'needscc._speedups' extension", '--fail', 'needscc/_speedups.c:1:10: fatal error: zlib.h: No such file or directory',
        '--fail', "error: command '/usr/bin/gcc' failed with exit code 1"],
    ]) {
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
    expect(r.stderr).toContain('pureonly 2.0: building from its sdist (no wheel for el9 x86_64) with backend');
    const report = JSON.parse(readFileSync(join(project, 'out/build-report.json'), 'utf8'));
    // A lock-only project: the tool is named, its version is the lock's pin.
    expect(report.package).toBe('phoreus-pureonly-2.0');
    // What was built and what built it: in the report, the configuration shipped in the RPM, and its description.
    const lockHash = /--hash=sha256:([0-9a-f]{64})/.exec(readFileSync(join(project, 'requirements.lock'), 'utf8'))?.[1];
    const [built] = report.sourceBuilds;
    expect(built).toMatchObject({ name: 'pureonly', version: '2.0', sdist: 'pureonly-2.0.tar.gz', sdistSha256: lockHash, wheel: 'pureonly-2.0-py3-none-any.whl', backend: 'backend', generator: 'sdist-fixture', unpinned: [] });
    expect(built.sha256).toMatch(/^[0-9a-f]{64}$/);
    // An in-tree backend that requires nothing resolves nothing: no PH116.
    expect(report.findings.map((f: { rule: string }) => f.rule)).not.toContain('PH116');
    expect(report.config.sourceBuilds).toEqual(report.sourceBuilds);
    const config = await run('sh', ['-c', `rpm2cpio "${report.artifacts.rpm}" | cpio -i --to-stdout --quiet ./usr/local/phoreus/pureonly/2.0/phoreus-config.json`]);
    expect(JSON.parse(config.stdout).sourceBuilds).toEqual(report.sourceBuilds);
    const info = await run('rpm', ['-qp', '--qf', '%{DESCRIPTION}', report.artifacts.rpm]);
    expect(info.stdout.replace(/\s+/g, ' ')).toContain(`Built here from their sdists: pureonly 2.0 (sdist sha256:${lockHash}, wheel sha256:${built.sha256}, built by sdist-fixture, no build requirements)`);
    expect(r.stdout).toContain('built from its sdist: pureonly 2.0');
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

  it('builds an sdist whose backend comes from the index, records it and warns that it is not pinned (PH116)', async () => {
    const project = await lockOnlyProject('viaindex', 'viabackend==1.5');
    const r = await build(project, 'viabackend');
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toContain("viabackend 1.5: building from its sdist (no wheel for el9 x86_64) with fixture_backend, resolved by pip's build isolation");
    const report = JSON.parse(readFileSync(join(project, 'out/build-report.json'), 'utf8'));
    expect(report.sourceBuilds[0]).toMatchObject({ name: 'viabackend', backend: 'fixture_backend', generator: 'fixture-backend 1.0', unpinned: ['fixture-backend'] });
    const ph116 = report.findings.find((f: { rule: string }) => f.rule === 'PH116');
    expect(ph116).toMatchObject({ severity: 'warning', file: 'requirements.lock' });
    expect(readFileSync(join(project, 'requirements.lock'), 'utf8').split('\n')[ph116.line - 1]).toMatch(/^viabackend==1\.5/);
    expect(ph116.message).toContain('pin them in build-locks/viabackend.lock');
  });

  it('builds the sdist with the backend pinned by build-locks/<name>.lock, without build isolation or PH116', async () => {
    const project = await lockOnlyProject('pinned', 'viabackend==1.5');
    mkdirSync(join(project, 'build-locks'));
    writeFileSync(join(project, 'build-locks/viabackend.in'), 'fixture-backend\n');
    const pipTools = await pipToolsPython(pythonPath('3.11'), '3.11', streamLog(() => undefined));
    const locked = await run(pipTools, ['-m', 'piptools', 'compile', '--quiet', '--generate-hashes', '--allow-unsafe', `--index-url=${index.url}`,
      '--output-file=build-locks/viabackend.lock', 'build-locks/viabackend.in'], { cwd: project });
    expect(locked.status, locked.stderr).toBe(0);
    const r = await build(project, 'viabackend');
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toContain('viabackend 1.5: building from its sdist (no wheel for el9 x86_64) with fixture_backend, pinned by build-locks/viabackend.lock');
    const report = JSON.parse(readFileSync(join(project, 'out/build-report.json'), 'utf8'));
    expect(report.sourceBuilds[0]).toMatchObject({ name: 'viabackend', generator: 'fixture-backend 1.0', pinnedBy: 'build-locks/viabackend.lock' });
    expect(report.findings.map((f: { rule: string }) => f.rule)).not.toContain('PH116');

    // A package's own build lock that lacks what its sdist needs is one line naming both.
    writeFileSync(join(project, 'build-locks/viabackend.lock'), readFileSync(join(project, 'requirements.lock'), 'utf8'));
    const wrong = await build(project, 'viabackend');
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toMatch(/build stopped: build-locks\/viabackend\.lock does not pin fixture-backend, which viabackend's sdist needs to build/);
  });

  it('says what broke when an sdist fails to build, without pointing a pure-Python failure at a container', async () => {
    const project = await lockOnlyProject('broken', 'brokenpkg==0.9');
    const r = await build(project, 'brokenpkg');
    expect(r.status).toBe(1);
    const stopped = r.stdout.split('\n').find((l) => l.startsWith('build stopped:')) ?? '';
    expect(stopped).toContain("brokenpkg 0.9: building its sdist with backend failed: error: package directory 'src/brokenpkg' does not exist");
    expect(stopped).toContain('pin a version of brokenpkg that builds');
    expect(stopped).not.toContain('container');
    expect(r.stdout + r.stderr).not.toMatch(/Traceback|at .*\.js:\d+/);
  });

  it('points a failure for want of a compiler or a system header at a container of the target distro', async () => {
    const project = await lockOnlyProject('needscc', 'needscc==0.3');
    const r = await build(project, 'needscc');
    expect(r.status).toBe(1);
    const stopped = r.stdout.split('\n').find((l) => l.startsWith('build stopped:')) ?? '';
    expect(stopped).toContain('fatal error: zlib.h: No such file or directory');
    expect(stopped).toContain("error: command '/usr/bin/gcc' failed with exit code 1");
    expect(stopped).toContain('`container: rockylinux:9` in the workflow');
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
