/**
 * The application's build backend pinned by requirements-build.lock: installed into a private
 * venv with --require-hashes, checked at every use, and called directly (PEP 517, no
 * isolation, no index), even when the lock pins no pip of its own.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPOCH, helloToolIndex, lockHelloTool } from '../support/hello-tool.js';
import { cli } from '../support/hostile.js';
import type { PackageIndex } from '../support/package-index.js';
import { isolatedEnv, pythonPath, run, TEST_CACHE } from '../support/processes.js';
import { pipToolsPython } from '../../src/tools/pip-tools.js';
import { streamLog } from '../../src/core/log.js';

describe('build: the application backend pinned by requirements-build.lock', () => {
  let work: string;
  let index: PackageIndex;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-backend-it-'));
    index = await helloToolIndex(join(work, 'wheels'), ['3.11']);
  });

  afterAll(async () => {
    await index?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('builds the application in the locked backend venv, which pins no pip, without resolving anything (no PH114)', async () => {
    const project = await lockHelloTool(work, index, '3.11');
    // The in-tree backend needs nothing; the build lock pins one package, and no pip.
    writeFileSync(join(project, 'requirements-build.in'), 'alpha>=1.0\n');
    process.env.PHOREUS_RPM_CACHE = TEST_CACHE;
    const pipTools = await pipToolsPython(pythonPath('3.11'), '3.11', streamLog(() => undefined));
    const locked = await run(pipTools, ['-m', 'piptools', 'compile', '--quiet', '--generate-hashes', `--index-url=${index.url}`, '--output-file=requirements-build.lock', 'requirements-build.in'], { cwd: project, env: isolatedEnv() });
    expect(locked.status, locked.stderr).toBe(0);
    expect(readFileSync(join(project, 'requirements-build.lock'), 'utf8')).not.toMatch(/^pip==/m);
    const build = () => cli(work, ['build', '--project', project, '--interpreter', '3.11', '--out', join(project, 'out'), '--index-url', index.url, '--no-smoke-test'], { SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: join(work, 'cache') });
    for (const round of ['cold', 'warm']) {
      const r = await build();
      expect(r.status, `${round}: ${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stderr).toContain('Building the application wheel with the backend pinned by requirements-build.lock');
      const report = JSON.parse(readFileSync(join(project, 'out', 'build-report.json'), 'utf8'));
      expect(report.findings.map((f: { rule: string }) => f.rule)).not.toContain('PH114');
    }
  });

  it('refuses a backend-path that leads out of the project, before any backend code runs', async () => {
    const project = await lockHelloTool(work, index, '3.11');
    writeFileSync(join(project, 'requirements-build.in'), 'alpha>=1.0\n');
    const pipTools = await pipToolsPython(pythonPath('3.11'), '3.11', streamLog(() => undefined));
    const locked = await run(pipTools, ['-m', 'piptools', 'compile', '--quiet', '--generate-hashes', `--index-url=${index.url}`, '--output-file=requirements-build.lock', 'requirements-build.in'], { cwd: project, env: isolatedEnv() });
    expect(locked.status, locked.stderr).toBe(0);
    // A backend outside the project would run code of the build machine as the project's backend.
    const planted = join(work, 'planted');
    mkdirSync(planted, { recursive: true });
    writeFileSync(join(planted, 'tinybackend.py'), `import pathlib\npathlib.Path(${JSON.stringify(join(work, 'planted-ran'))}).touch()\n`);
    const pyproject = join(project, 'pyproject.toml');
    writeFileSync(pyproject, readFileSync(pyproject, 'utf8').replace('backend-path = ["_build"]', `backend-path = ["${relative(project, planted)}"]`));
    const r = await cli(work, ['build', '--project', project, '--interpreter', '3.11', '--out', join(project, 'out'), '--index-url', index.url, '--no-smoke-test'], { SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: join(work, 'cache') });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/build stopped: pyproject\.toml: \[build-system\] backend-path "\.\.\/.*planted" is not a directory inside the project/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at |Error: /);
    expect(JSON.parse(readFileSync(join(project, 'out', 'build-report.json'), 'utf8')).artifacts).toBeUndefined();
    expect(existsSync(join(work, 'planted-ran'))).toBe(false);
  });

  it('ships a subpackage named build or dist, leaving out only the top-level build and dist directories', async () => {
    const project = await lockHelloTool(work, index, '3.11');
    for (const [dir, file] of [['hello_tool/build', '__init__.py'], ['hello_tool/dist', 'layout.py'], ['build/lib/hello_tool', 'stale.py'], ['dist', 'stale.py']] as const) {
      mkdirSync(join(project, dir), { recursive: true });
      writeFileSync(join(project, dir, file), `# ${dir}\n`);
    }
    const r = await cli(work, ['build', '--project', project, '--interpreter', '3.11', '--out', join(project, 'out'), '--index-url', index.url, '--no-smoke-test'], { SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: join(work, 'cache') });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const report = JSON.parse(readFileSync(join(project, 'out', 'build-report.json'), 'utf8'));
    const files = (await run('rpm', ['-qpl', report.artifacts.rpm])).stdout.split('\n');
    const site = '/usr/local/phoreus/hello-tool/1.0.0/venv/lib/python3.11/site-packages/hello_tool';
    expect(files).toContain(`${site}/build/__init__.py`);
    expect(files).toContain(`${site}/dist/layout.py`);
    expect(files.filter((f) => f.includes('stale'))).toEqual([]);
  });
});
