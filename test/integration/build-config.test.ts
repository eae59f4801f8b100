/**
 * One phoreus.yaml driving several builds: Python 3.10 with its own lock (an override),
 * 3.11 with the shared one, a package skipped on linux-x64 with its reason, files copied
 * into {site-packages} and bin/, module environment — built with `build --all` into one
 * output directory, and the `matrix` command a workflow fans out from.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { EPOCH, helloToolIndex } from '../support/hello-tool.js';
import { scratchRoot } from '../support/installed-system.js';
import type { PackageIndex } from '../support/package-index.js';
import { isolatedEnv, makeWheel, pythonPath, REPO, run, runCli, TEST_CACHE } from '../support/processes.js';
import { pipToolsPython } from '../../src/tools/pip-tools.js';
import { streamLog } from '../../src/core/log.js';

const CONFIG = `# hello-tool for both sanctioned interpreters
tool:
  summary: Reports where its imports come from
  license: MIT
module:
  env:
    HELLO_TOOL_DATA: /usr/local/phoreus/hello-tool/data
policy:
  interpreters: ["3.10", "3.11"]
  distros: [el9]
packages:
  skip:
    gpuonly:
      linux-x64: needs a GPU runtime the cluster nodes lack
  platformSpecific:
    linux-x64:
      copyFiles:
        - from: extras/site-packages/
          to: "{site-packages}/"
        - from: extras/bin/hello-extra
          to: bin/
interpreters:
  "3.10":
    requirements: requirements-3.10.in
    lock: requirements-3.10.lock
`;

describe('configuration: one phoreus.yaml, two interpreters, exceptions with reasons', () => {
  let work: string;
  let index: PackageIndex;
  let project: string;
  let out: string;
  let stdout: string;
  let stderr: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-config-it-'));
    const wheels = join(work, 'wheels');
    index = await helloToolIndex(wheels, ['3.10', '3.11']);
    makeWheel(wheels, 'gpuonly', '1.0');

    project = join(work, 'hello-tool');
    cpSync(join(REPO, 'test/fixtures/hello-tool'), project, { recursive: true });
    writeFileSync(join(project, 'phoreus.yaml'), CONFIG);
    writeFileSync(join(project, 'requirements.in'), 'alpha>=1.0\nfastcount>=1.0\ngpuonly>=1.0\npip>=23\n');
    writeFileSync(join(project, 'requirements-3.10.in'), '-r requirements.in\n');
    mkdirSync(join(project, 'extras/site-packages/hello_plugin'), { recursive: true });
    writeFileSync(join(project, 'extras/site-packages/hello_plugin/__init__.py'), 'NAME = "hello plugin"\n');
    mkdirSync(join(project, 'extras/bin'), { recursive: true });
    writeFileSync(join(project, 'extras/bin/hello-extra'), '#!/bin/sh\necho extra\n', { mode: 0o755 });

    process.env.PHOREUS_RPM_CACHE = TEST_CACHE;
    for (const [minor, input, lock] of [['3.10', 'requirements-3.10.in', 'requirements-3.10.lock'], ['3.11', 'requirements.in', 'requirements.lock']] as const) {
      const pipTools = await pipToolsPython(pythonPath(minor), minor, streamLog(() => undefined));
      const r = await run(pipTools, ['-m', 'piptools', 'compile', '--quiet', '--generate-hashes', '--allow-unsafe', `--index-url=${index.url}`,
        `--output-file=${lock}`, input], { cwd: project, env: isolatedEnv() });
      if (r.status !== 0) throw new Error(r.stderr);
    }

    out = join(work, 'out');
    const r = await runCli(['build', '--all', '--verbose', '--project', project, '--out', out, '--index-url', index.url],
      isolatedEnv({ SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: join(work, 'cache') }));
    ({ stdout, stderr } = r);
    if (r.status !== 0) throw new Error(`build --all failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  });

  afterAll(async () => {
    await index?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('prints the matrix a workflow fans out from', async () => {
    const r = await runCli(['matrix', '--project', project]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ include: [{ interpreter: '3.10', distro: 'el9' }, { interpreter: '3.11', distro: 'el9' }] });
  });

  it('builds every pair into one output directory, in directories that never collide', () => {
    const summary = JSON.parse(readFileSync(join(out, 'build-report.json'), 'utf8'));
    expect(summary.builds.map((b: { interpreter: string; distro: string; ok: boolean }) => [b.interpreter, b.distro, b.ok])).toEqual([['3.10', 'el9', true], ['3.11', 'el9', true]]);
    for (const b of summary.builds) expect(b.artifacts.rpm).toContain(`/el9-py${b.interpreter}/phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64.rpm`);
    expect(stdout).toContain('built 2 of 2');
  });

  it('names its generator in the summary report, and the packaged tool in each build', () => {
    const summary = JSON.parse(readFileSync(join(out, 'build-report.json'), 'utf8'));
    expect(summary.generator).toEqual({ name: 'phoreus-rpm', version: packageJson.version });
    for (const b of summary.builds) expect(b.packagedTool).toEqual({ name: 'hello-tool', version: '1.0.0' });
  });

  it('logs the configuration in force with --verbose, once per build', () => {
    expect(stderr.match(/^Configuration in force:$/gm)).toHaveLength(2);
    expect(stderr).toContain('"skipReasons": {\n    "gpuonly": "needs a GPU runtime the cluster nodes lack"');
  });

  it.each(['3.10', '3.11'])('leaves the skipped package out of the %s RPM, saying why, and copies the files for that interpreter', async (minor) => {
    const rpm = join(out, `el9-py${minor}`, 'phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64.rpm');
    const sp = `/usr/local/phoreus/hello-tool/1.0.0/venv/lib/python${minor}/site-packages`;
    const files = (await run('rpm', ['-qpl', rpm])).stdout.split('\n');
    expect(files).toContain(`${sp}/hello_plugin/__init__.py`);
    expect(files).toContain(`${sp}/hello_plugin/__pycache__/__init__.cpython-${minor.replace('.', '')}.pyc`);
    expect(files).toContain('/usr/local/phoreus/hello-tool/1.0.0/venv/bin/hello-extra');
    expect(files.filter((f) => /gpuonly/.test(f))).toEqual([]);
    expect(files.some((f) => f.includes(`${sp}/alpha/`))).toBe(true);

    const description = (await run('rpm', ['-qp', '--qf', '%{DESCRIPTION}', rpm])).stdout;
    expect(description).toContain('Left out on linux-x64: gpuonly (needs a GPU runtime the cluster nodes lack)');
    const report = JSON.parse(readFileSync(join(out, `el9-py${minor}`, 'build-report.json'), 'utf8'));
    expect(report.skipped).toEqual([{ name: 'gpuonly', reason: 'needs a GPU runtime the cluster nodes lack' }]);
    expect(report.findings).toContainEqual(expect.objectContaining({ rule: 'PH115', severity: 'warning', file: 'phoreus.yaml', line: 14 }));
    expect(report.config.lock).toBe(minor === '3.10' ? 'requirements-3.10.lock' : 'requirements.lock');

    const root = await scratchRoot([rpm]);
    try {
      const config = JSON.parse(readFileSync(join(root, 'usr/local/phoreus/hello-tool/1.0.0/phoreus-config.json'), 'utf8'));
      expect(config.skipped).toEqual(['gpuonly']);
      expect(config.interpreter).toBe(minor);
      const modulefile = readFileSync(join(root, 'usr/local/phoreus/modulefiles/hello-tool/1.0.0.lua'), 'utf8');
      expect(modulefile).toContain('setenv("HELLO_TOOL_DATA", "/usr/local/phoreus/hello-tool/data")');
      expect(modulefile).toContain(`load("phoreus-python-${minor}")`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('ships the configuration in force in the SRPM', async () => {
    const srpm = join(out, 'el9-py3.10', 'phoreus-hello-tool-1.0.0-1.0.0-1.el9.src.rpm');
    const r = await run('sh', ['-c', `rpm2cpio "${srpm}" | cpio -i --to-stdout --quiet phoreus-config.json`]);
    const config = JSON.parse(r.stdout);
    expect(config.lock).toBe('requirements-3.10.lock');
    expect(config.skipReasons).toEqual({ gpuonly: 'needs a GPU runtime the cluster nodes lack' });
    expect(config.copyFiles).toHaveLength(2);
  });
});
