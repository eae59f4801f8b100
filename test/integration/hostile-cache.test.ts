/**
 * A poisoned cache (class 3) and a locked wheel that would run code on the build host
 * (class 8), against the real CLI, pip, pip-compile and rpmbuild, with a local index. A
 * cache is only ever a hint: every file in it is hashed against the lock before use, a kept
 * venv is checked file for file against its locked wheels or rebuilt, a wheel built from an
 * sdist is built again every time, and no dependency's .pth hook runs while building.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPOCH, helloToolIndex, lockHelloTool } from '../support/hello-tool.js';
import { cli } from '../support/hostile.js';
import { servePackageIndex, type PackageIndex } from '../support/package-index.js';
import { isolatedEnv, makeWheel, pythonPath, REPO, run, TEST_CACHE } from '../support/processes.js';
import { pipToolsPython } from '../../src/tools/pip-tools.js';
import { streamLog } from '../../src/report/log.js';

/** The blob of the cache whose recorded name matches, as its digest. */
function blobNamed(cache: string, pattern: RegExp): string {
  const dir = join(cache, 'blobs', 'sha256');
  const hit = readdirSync(dir).find((f) => f.endsWith('.name') && pattern.test(readFileSync(join(dir, f), 'utf8')));
  if (!hit) throw new Error(`no blob named like ${pattern} in ${dir}`);
  return hit.replace(/\.name$/, '');
}

/** What the RPM installs at a path, read from its payload. */
async function payloadFile(rpm: string, path: string): Promise<string> {
  const r = await run('sh', ['-c', `rpm2cpio "$1" | cpio -i --quiet --to-stdout "./${path}"`, 'sh', rpm]);
  return r.stdout;
}

describe('a poisoned cache, and code locked wheels would run at build time', () => {
  let work: string;
  let index: PackageIndex;
  let project: string;
  let cache: string;
  let marker: string;

  const build = (dir: string, ...extra: string[]) => cli(work, ['build', '--project', dir, '--interpreter', '3.11', '--distro', 'el9', '--out', join(dir, 'out'), '--index-url', index.url, '--no-smoke-test', ...extra], { SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: cache });
  const rpmOf = (dir: string): string => JSON.parse(readFileSync(join(dir, 'out', 'build-report.json'), 'utf8')).artifacts.rpm;
  const ALPHA = 'usr/local/phoreus/hello-tool/1.0.0/venv/lib/python3.11/site-packages/alpha/__init__.py';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-hostile-cache-'));
    marker = join(work, 'MARKER');
    cache = join(work, 'cache');
    index = await helloToolIndex(join(work, 'wheels'), ['3.11']);
    project = await lockHelloTool(work, index, '3.11');
    const cold = await build(project);
    expect(cold.status, cold.stderr).toBe(0);
  });

  afterAll(async () => {
    await index?.close();
    rmSync(work, { recursive: true, force: true });
  });

  describe('class 3: the wheelhouse cache', () => {
    it('builds warm from the cache without the index', async () => {
      const before = index.requests.length;
      const r = await build(project);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Wheelhouse from the cache, the package index not contacted/);
      expect(index.requests.length).toBe(before);
    });

    it('keeps every tool it built: another tool sharing a wheel stores it once, and both build warm without the index', async () => {
      const other = join(work, 'alpha-only');
      mkdirSync(other);
      writeFileSync(join(other, 'requirements.in'), 'alpha==1.0\n');
      const pipTools = await pipToolsPython(pythonPath('3.11'), '3.11', streamLog(() => undefined));
      const locked = await run(pipTools, ['-m', 'piptools', 'compile', '--quiet', '--generate-hashes', '--allow-unsafe', `--index-url=${index.url}`, '--output-file=requirements.lock', 'requirements.in'], { cwd: other, env: isolatedEnv() });
      expect(locked.status, locked.stderr).toBe(0);
      const first = await build(other, '--tool', 'alpha');
      expect(first.status, first.stderr).toBe(0);
      const names = readdirSync(join(cache, 'blobs', 'sha256')).filter((f) => f.endsWith('.name')).map((f) => readFileSync(join(cache, 'blobs', 'sha256', f), 'utf8').trim());
      expect(names.filter((n) => n.startsWith('alpha-1.0-'))).toHaveLength(1);
      const before = index.requests.length;
      for (const dir of [project, other, project]) {
        const r = await build(dir, ...(dir === other ? ['--tool', 'alpha'] : []));
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/Wheelhouse from the cache, the package index not contacted/);
      }
      expect(index.requests.length).toBe(before);
    });

    it('refuses a cached file replaced by another with the same name, and fetches the locked one again', async () => {
      const evil = mkdtempSync(join(work, 'evil-'));
      const wheel = makeWheel(evil, 'alpha', '1.0', ['--payload', 'import os; os.system("touch MARKER")']);
      cpSync(wheel, join(cache, 'blobs', 'sha256', blobNamed(cache, /^alpha-1\.0-/)));
      const before = index.requests.length;
      const r = await build(project);
      expect(r.status, r.stderr).toBe(0);
      expect(index.requests.length).toBeGreaterThan(before);
      expect(await payloadFile(rpmOf(project), ALPHA)).not.toContain('os.system');
    });

    it('ignores a cached choice that names another package\'s file', async () => {
      const choices = join(cache, 'choices', `x86_64-el9-py3.11.json`);
      const table = JSON.parse(readFileSync(choices, 'utf8'));
      table['alpha==1.0'] = table['fastcount==1.0'];
      writeFileSync(choices, JSON.stringify(table));
      const r = await build(project);
      expect(r.status, r.stderr).toBe(0);
      expect(await payloadFile(rpmOf(project), ALPHA)).toMatch(/alpha/);
      expect(JSON.parse(readFileSync(choices, 'utf8'))['alpha==1.0']).not.toBe(table['fastcount==1.0']);
    });

    it('ignores a cached file whose recorded name leads elsewhere', async () => {
      const digest = blobNamed(cache, /^alpha-1\.0-/);
      writeFileSync(join(cache, 'blobs', 'sha256', `${digest}.name`), '../../../../outside.whl\n');
      const r = await build(project);
      expect(r.status, r.stderr).toBe(0);
      expect(existsSync(join(work, 'outside.whl'))).toBe(false);
    });

    it('builds a wheel from its sdist every time, never taking one from the cache', async () => {
      const dists = join(work, 'sdist-index');
      const sdist = await run(pythonPath('3.11'), [join(REPO, 'test/support/make_sdist.py'), dists, 'pureonly', '2.0']);
      expect(sdist.status, sdist.stderr).toBe(0);
      const sdistIndex = await servePackageIndex(dists);
      try {
        const dir = join(work, 'sdist-project');
        mkdirSync(dir);
        writeFileSync(join(dir, 'requirements.in'), 'pureonly==2.0\n');
        process.env.PHOREUS_RPM_CACHE = TEST_CACHE;
        const pipTools = await pipToolsPython(pythonPath('3.11'), '3.11', streamLog(() => undefined));
        const locked = await run(pipTools, ['-m', 'piptools', 'compile', '--quiet', '--generate-hashes', `--index-url=${sdistIndex.url}`, '--output-file=requirements.lock', 'requirements.in'], { cwd: dir });
        expect(locked.status, locked.stderr).toBe(0);
        const go = () => cli(work, ['build', '--project', dir, '--tool', 'pureonly', '--interpreter', '3.11', '--out', join(dir, 'out'), '--index-url', sdistIndex.url, '--no-smoke-test'], { SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: cache });
        expect((await go()).status).toBe(0);
        // A planted wheel, and a choice pointing at it: neither is a file the lock allows.
        const evil = makeWheel(mkdtempSync(join(work, 'evil-')), 'pureonly', '2.0', ['--payload', 'import os; os.system("touch MARKER")']);
        const choices = join(cache, 'choices', 'x86_64-el9-py3.11.json');
        writeFileSync(choices, JSON.stringify({ ...JSON.parse(readFileSync(choices, 'utf8')), 'pureonly==2.0': 'f'.repeat(64) }));
        mkdirSync(join(cache, 'blobs', 'sha256'), { recursive: true });
        cpSync(evil, join(cache, 'blobs', 'sha256', 'f'.repeat(64)));
        writeFileSync(join(cache, 'blobs', 'sha256', `${'f'.repeat(64)}.name`), 'pureonly-2.0-py3-none-any.whl\n');
        const again = await go();
        expect(again.status, again.stderr).toBe(0);
        expect(again.stderr).toContain('pureonly 2.0: building from its sdist (no wheel for el9 x86_64)');
        const init = await payloadFile(JSON.parse(readFileSync(join(dir, 'out', 'build-report.json'), 'utf8')).artifacts.rpm, 'usr/local/phoreus/pureonly/2.0/venv/lib/python3.11/site-packages/pureonly/__init__.py');
        expect(init).toBe('__version__ = "2.0"\n');
      } finally {
        await sdistIndex.close();
      }
    });
  });

  describe('class 3: a kept private venv', () => {
    let kept: string;
    let venv: string;

    /** The drift check, which runs pip-compile from the kept pip-tools venv. */
    const drift = () => cli(work, ['verify', '--project', project, '--interpreter', '3.11'], { PHOREUS_RPM_CACHE: kept });

    beforeAll(async () => {
      // A copy of the machine's test cache, so no other test sees what is planted here.
      kept = join(work, 'kept');
      cpSync(TEST_CACHE, kept, { recursive: true, verbatimSymlinks: true });
      const first = await drift();
      expect(first.status, first.stderr).toBe(0);
      const venvs = join(kept, 'venvs');
      venv = join(venvs, readdirSync(venvs).find((d) => d.startsWith('requirements-3.11-') && !d.includes('staging')) ?? '');
    });

    it.each([
      ['a bin/python that is a script', (v: string, m: string) => { unlinkSync(join(v, 'bin', 'python')); writeFileSync(join(v, 'bin', 'python'), `#!/bin/sh\ntouch ${m}\nexec ${pythonPath('3.11')} "$@"\n`, { mode: 0o755 }); }, /bin\/python is not the link venv makes/],
      ['a planted .pth hook', (v: string, m: string) => writeFileSync(join(v, 'lib', 'python3.11', 'site-packages', 'zz-evil.pth'), `import os; open(${JSON.stringify(m)}, "w")\n`), /zz-evil\.pth comes from no locked wheel/],
      ['an edited module of pip-tools', (v: string, m: string) => writeFileSync(join(v, 'lib', 'python3.11', 'site-packages', 'piptools', '__init__.py'), `import os; open(${JSON.stringify(m)}, "w")\n`), /pip_tools-.*\.dist-info is not, byte for byte, one of the locked wheels/],
      ['a manifest naming a file the lock does not allow', (v: string) => writeFileSync(join(v, 'phoreus-venv.json'), JSON.stringify({ wheels: ['0'.repeat(64)] })), /names wheels the lock does not allow/],
      ['a sitecustomize beside site-packages', (v: string, m: string) => writeFileSync(join(v, 'lib', 'python3.11', 'sitecustomize.py'), `open(${JSON.stringify(m)}, "w")\n`), /holds more than site-packages/],
    ])('rebuilds a kept venv with %s, and never runs it', async (_what, plant, reason) => {
      plant(venv, marker);
      const r = await drift();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/The kept environment for requirements-3\.11\.lock failed its check \(/);
      expect(r.stderr).toMatch(reason);
      expect(existsSync(marker)).toBe(false);
      expect(r.leftovers).toEqual([]);
    });
  });

  describe('class 8: a locked wheel with a .pth hook', () => {
    it('builds without ever running the hook on the build host, ships it, and names it (PH316)', async () => {
      const wheels = join(work, 'wheels');
      makeWheel(wheels, 'hooked', '1.0', ['--pth', 'import os; open(os.environ.get("HOOK_MARKER", os.devnull), "w").write("ran")']);
      const dir = join(work, 'hooked-project');
      mkdirSync(dir);
      cpSync(join(project, 'hello_tool'), join(dir, 'hello_tool'), { recursive: true });
      cpSync(join(project, '_build'), join(dir, '_build'), { recursive: true });
      cpSync(join(project, 'pyproject.toml'), join(dir, 'pyproject.toml'));
      writeFileSync(join(dir, 'requirements.in'), `${readFileSync(join(project, 'requirements.in'), 'utf8')}hooked>=1.0\n`);
      process.env.PHOREUS_RPM_CACHE = TEST_CACHE;
      const pipTools = await pipToolsPython(pythonPath('3.11'), '3.11', streamLog(() => undefined));
      const locked = await run(pipTools, ['-m', 'piptools', 'compile', '--quiet', '--generate-hashes', '--allow-unsafe', `--index-url=${index.url}`, '--output-file=requirements.lock', 'requirements.in'], { cwd: dir, env: isolatedEnv() });
      expect(locked.status, locked.stderr).toBe(0);
      // The hook writes where HOOK_MARKER says: every process of the build sees it, none may run the hook.
      const r = await cli(work, ['build', '--project', dir, '--interpreter', '3.11', '--distro', 'el9', '--out', join(dir, 'out'), '--index-url', index.url, '--no-smoke-test'], { SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: cache, HOOK_MARKER: marker });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(existsSync(marker)).toBe(false);
      const rpm = rpmOf(dir);
      const hook = await payloadFile(rpm, 'usr/local/phoreus/hello-tool/1.0.0/venv/lib/python3.11/site-packages/hooked.pth');
      expect(hook).toContain('import os');
      // The hook is live: any Python that processes the site directory runs it.
      const site = mkdtempSync(join(work, 'site-'));
      writeFileSync(join(site, 'hooked.pth'), hook);
      const live = join(work, 'LIVE');
      await run(pythonPath('3.11'), ['-c', 'import site, sys; site.addsitedir(sys.argv[1])', site], { env: isolatedEnv({ HOOK_MARKER: live }) });
      expect(existsSync(live)).toBe(true);
      const report = JSON.parse(readFileSync(join(dir, 'out', 'build-report.json'), 'utf8'));
      expect(report.findings.filter((f: { rule: string }) => f.rule === 'PH316').map((f: { file: string; severity: string }) => [f.file, f.severity]))
        .toEqual([['/usr/local/phoreus/hello-tool/1.0.0/venv/lib/python3.11/site-packages/hooked.pth', 'warning']]);
    });
  });
});
