/**
 * The build end to end, with real tools only: wheels made here (one with a console script,
 * one with a C extension compiled by gcc) served from a local index on 127.0.0.1, locks
 * compiled by the real pip-compile, the bundled CLI running rpmbuild, and the RPM installed
 * as a system would and run through real Lmod — for Python 3.10 and 3.11. Then the SRPM is
 * rebuilt with no network, and a second build is compared file by file.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { buildHelloTool, EPOCH, filesIn, helloToolIndex, type BuiltTool } from '../support/hello-tool.js';
import { provideInterpreter, runInstalled } from '../../src/audit/smoke-test.js';
import { scratchRoot } from '../support/installed-system.js';
import type { PackageIndex } from '../support/package-index.js';
import { isolatedEnv, pythonPath, run, runCli } from '../support/processes.js';
import { requiredCommand } from '../support/required-tools.js';

const INTERPRETERS = ['3.10', '3.11'] as const;

async function fileDigests(rpm: string): Promise<string[]> {
  const r = await run('rpm', ['-qp', '--qf', '[%{FILENAMES} %{FILEDIGESTS} %{FILEMODES:octal} %{FILELINKTOS}\n]', rpm]);
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split('\n').sort();
}

async function rpmTags(rpm: string, query: string): Promise<string[]> {
  const r = await run('rpm', ['-qp', query, rpm]);
  return r.stdout.trim().split('\n').filter((l) => l && !l.startsWith('rpmlib('));
}

describe('build: a hermetic venv RPM that works once installed', () => {
  let work: string;
  let index: PackageIndex;
  const built: Record<string, BuiltTool> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-build-it-'));
    index = await helloToolIndex(join(work, 'wheels'), INTERPRETERS);
    for (const minor of INTERPRETERS) built[minor] = await buildHelloTool(work, index, minor, join(work, 'cache'));
  });

  afterAll(async () => {
    await index?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it.each(INTERPRETERS)('names the RPM phoreus-<tool>-<version> and requires only phoreus and phoreus-python-%s', async (minor) => {
    const { rpm, srpm, modulefile } = built[minor] ?? { rpm: '', srpm: '', modulefile: '' };
    expect(rpm).toMatch(/phoreus-hello-tool-1\.0\.0-1\.0\.0-1\.el9\.x86_64\.rpm$/);
    expect(srpm).toMatch(/\.src\.rpm$/);
    expect(existsSync(modulefile)).toBe(true);
    expect(await rpmTags(rpm, '--requires')).toEqual(['phoreus', `phoreus-python-${minor}`]);
    expect(await rpmTags(rpm, '--provides')).toEqual(['phoreus-hello-tool-1.0.0 = 1.0.0-1.el9', 'phoreus-hello-tool-1.0.0(x86-64) = 1.0.0-1.el9']);
    expect((await rpmTags(rpm, '--qf=%{ARCH}'))[0]).toBe('x86_64');
    const files = await rpmTags(rpm, '-l');
    expect(files.every((f) => f.startsWith('/usr/local/phoreus/hello-tool') || f.startsWith('/usr/local/phoreus/modulefiles/hello-tool'))).toBe(true);
    expect(files).toContain('/usr/local/phoreus/hello-tool/1.0.0/requirements.lock');
    expect(files).toContain('/usr/local/phoreus/modulefiles/hello-tool/1.0.0.lua');
    expect(files.some((f) => f.includes('.build-id'))).toBe(false);
  });

  it.each(INTERPRETERS)('classifies the files as rpm does with the system\'s file types: ELF files by class, executable ones coloured (Python %s)', async (minor) => {
    const { rpm } = built[minor] ?? { rpm: '' };
    const rows = (await rpmTags(rpm, '--qf=[%{FILECOLORS}\t%{FILEMODES:octal}\t%{FILECLASS}\t%{FILENAMES}\n]')).map((row) => {
      const [color = '', mode = '', fileClass = '', name = ''] = row.split('\t');
      return { color: Number(color), mode: Number.parseInt(mode, 8), fileClass, name };
    });
    const elf = rows.filter((r) => r.name.endsWith('.so'));
    expect(elf.length).toBeGreaterThan(0);
    // rpm colours a regular ELF file that is executable by its class (2: 64-bit), multilib's key; any other file is 0.
    for (const r of elf) expect(r, r.name).toMatchObject({ color: (r.mode & 0o111) !== 0 ? 2 : 0, fileClass: expect.stringMatching(/^ELF 64-bit LSB/) });
    for (const r of rows.filter((row) => !row.name.endsWith('.so'))) expect(r.color, r.name).toBe(0);
    expect(rows.find((r) => r.name.endsWith('/__init__.py'))?.fileClass).toMatch(/text/);
  });

  it.each(INTERPRETERS)('reports what it built and who built it, and keeps the configuration in force out of the log (Python %s)', (minor) => {
    const { out, log } = built[minor] ?? { out: '', log: '' };
    const report = JSON.parse(readFileSync(join(out, 'build-report.json'), 'utf8'));
    expect(report.generator).toEqual({ name: 'phoreus-rpm', version: packageJson.version });
    expect(report.packagedTool).toEqual({ name: 'hello-tool', version: '1.0.0' });
    expect(report.config.interpreter).toBe(minor);
    expect(log).toContain('== Build the RPM and SRPM');
    expect(log).not.toContain('Configuration in force');
  });

  it.each(INTERPRETERS)('installs, loads with Lmod and runs the console script from its own venv (Python %s)', async (minor) => {
    const { rpm } = built[minor] ?? { rpm: '' };
    const root = await scratchRoot([rpm]);
    try {
      provideInterpreter(root, `/usr/local/phoreus/python/${minor}`, `phoreus-python-${minor}`);
      const prefix = dirname(dirname(pythonPath(minor)));
      const r = await runInstalled(root, `/usr/local/phoreus/python/${minor}`, prefix, 'module load hello-tool/1.0.0 && hello-tool && alpha-cli && module list 2>&1');
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.exitCode).toBe(0);
      const report = JSON.parse(r.stdout.split('\n')[0] ?? '{}');
      const venv = '/usr/local/phoreus/hello-tool/1.0.0/venv';
      expect(report.version).toBe(minor);
      expect(report.prefix).toBe(venv);
      expect(report.virtual_env).toBe(venv);
      expect(report.pythonpath).toBeNull();
      expect(report.base_prefix).toBe(`/usr/local/phoreus/python/${minor}`);
      for (const module of ['hello_tool', 'alpha', 'fastcount']) expect(report[module]).toMatch(new RegExp(`^${venv}/lib/python${minor}/site-packages/`));
      expect(report.count).toBe(3);
      expect(report.path.filter((p: string) => p.includes('site-packages'))).toEqual([`${venv}/lib/python${minor}/site-packages`]);
      expect(r.stdout).toContain('alpha\n');
      expect(r.stdout).toMatch(new RegExp(`phoreus-python-${minor.replace('.', '\\.')}`));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('ships no build-time path, and bytecode compiled for the installed path', async () => {
    const { rpm } = built['3.11'] ?? { rpm: '' };
    const root = await scratchRoot([rpm]);
    try {
      const grep = await run('grep', ['-rlI', '-e', 'rpmbuild', '-e', 'BUILDROOT', '-e', work, root]);
      expect(grep.stdout).toBe('');
      const venv = join(root, 'usr/local/phoreus/hello-tool/1.0.0/venv');
      expect(readFileSync(join(venv, 'pyvenv.cfg'), 'utf8')).toMatch(/^home = \/usr\/local\/phoreus\/python\/3\.11\/bin$/m);
      expect(readFileSync(join(venv, 'bin/hello-tool'), 'utf8').split('\n')[0]).toBe('#!/usr/local/phoreus/hello-tool/1.0.0/venv/bin/python');
      const pyc = filesIn(join(venv, 'lib/python3.11/site-packages/hello_tool/__pycache__'), /\.pyc$/);
      expect(pyc).toHaveLength(1);
      const bytes = readFileSync(pyc[0] ?? '');
      expect(bytes.includes(Buffer.from('/usr/local/phoreus/hello-tool/1.0.0/venv/lib/python3.11/site-packages/hello_tool/__init__.py'))).toBe(true);
      expect(bytes.readUInt32LE(4) & 0b1).toBe(1); // hash-based, not timestamped
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('rebuilds the SRPM with the network disabled into an equivalent RPM', async () => {
    const { rpm, srpm } = built['3.11'] ?? { rpm: '', srpm: '' };
    const topdir = join(work, 'rebuild');
    mkdirSync(topdir);
    const r = await run(requiredCommand('unshare', 'util-linux'), ['--net', requiredCommand('rpmbuild', 'rpm'), '--rebuild', '--nodeps', '--define', `_topdir ${topdir}`, '--define', 'dist .el9',
      '--define', `phoreus_build_python ${pythonPath('3.11')}`, srpm], { env: isolatedEnv({ SOURCE_DATE_EPOCH: EPOCH }) });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const rebuilt = filesIn(join(topdir, 'RPMS/x86_64'), /\.rpm$/);
    expect(rebuilt).toHaveLength(1);
    expect(await fileDigests(rebuilt[0] ?? '')).toEqual(await fileDigests(rpm));
  });

  it('gives identical payload file digests for two builds of the same inputs', async () => {
    const { rpm, project } = built['3.11'] ?? { rpm: '', project: '' };
    const out = join(work, 'out-again');
    const r = await runCli(['build', '--project', project, '--interpreter', '3.11', '--distro', 'el9', '--out', out, '--index-url', 'http://127.0.0.1:9/unreachable', '--meta'],
      isolatedEnv({ SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: join(work, 'cache') }));
    expect(r.status, r.stderr).toBe(0);
    const again = JSON.parse(readFileSync(join(out, 'build-report.json'), 'utf8'));
    expect(again.wheelhouseFromCache).toBe(true);
    expect(await fileDigests(again.artifacts.rpm)).toEqual(await fileDigests(rpm));

    // The meta default package (charter §11): requires this version, marks it the default module.
    const meta = again.artifacts.metaRpm as string;
    expect(meta).toMatch(/\/phoreus-hello-tool-1\.0\.0-1\.el9\.x86_64\.rpm$/);
    expect(await rpmTags(meta, '--requires')).toEqual(['phoreus-hello-tool-1.0.0 = 1.0.0-1.el9']);
    expect(await rpmTags(meta, '-l')).toEqual(['/usr/local/phoreus/modulefiles/hello-tool/.modulerc.lua']);
    const root = await scratchRoot([again.artifacts.rpm, meta]);
    try {
      provideInterpreter(root, '/usr/local/phoreus/python/3.11', 'phoreus-python-3.11');
      const loaded = await runInstalled(root, '/usr/local/phoreus/python/3.11', dirname(dirname(pythonPath('3.11'))), 'module load hello-tool && module -t list 2>&1');
      expect(loaded.exitCode, loaded.stderr).toBe(0);
      expect(loaded.stdout).toContain('hello-tool/1.0.0');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
