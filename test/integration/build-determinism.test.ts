/**
 * Bit-identical outputs: the same inputs built twice — from two copies of the project at
 * different paths, from different working directories, with different temporary
 * directories and caches, seconds apart — give the same RPM, SRPM and modulefile, byte for
 * byte; no header of either package names a directory of the build; and the SRPM rebuilt
 * with no network gives the same payload.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesIn, helloToolIndex, lockHelloTool } from '../support/hello-tool.js';
import type { PackageIndex } from '../support/package-index.js';
import { isolatedEnv, pythonPath, run, runCli } from '../support/processes.js';
import { requiredCommand } from '../support/required-tools.js';

interface Outputs { rpm: string; srpm: string; modulefile: string }
const KINDS = ['rpm', 'srpm', 'modulefile'] as const;

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The build environment of one run: its own TMPDIR and cache, and no SOURCE_DATE_EPOCH (the project is no git checkout). */
function buildEnv(root: string): Record<string, string> {
  const env = isolatedEnv({ TMPDIR: join(root, 'tmp'), PHOREUS_RPM_CACHE: join(root, 'cache') });
  delete env.SOURCE_DATE_EPOCH;
  return env;
}

async function payloadDigest(rpm: string): Promise<string> {
  const r = await run('rpm', ['-qp', '--qf', '%{PAYLOADDIGEST}', rpm]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('build: bit-identical outputs', () => {
  let work: string;
  let index: PackageIndex;
  const roots: string[] = [];
  const built: Outputs[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-determinism-'));
    index = await helloToolIndex(join(work, 'wheels'), ['3.11']);
    const first = await lockHelloTool(work, index, '3.11');
    const second = join(work, 'elsewhere', 'a', 'deeper', 'copy');
    cpSync(first, second, { recursive: true });
    for (const [i, project] of [first, second].entries()) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 2000));
      const root = join(work, `run-${i}`);
      mkdirSync(join(root, 'tmp'), { recursive: true });
      roots.push(root);
      const r = await runCli(['build', '--project', project, '--interpreter', '3.11', '--distro', 'el9', '--out', join(root, 'out'), '--index-url', index.url, '--no-smoke-test'],
        buildEnv(root), root);
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      built.push(JSON.parse(readFileSync(join(root, 'out', 'build-report.json'), 'utf8')).artifacts as Outputs);
    }
  });

  afterAll(async () => {
    await index?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('gives the same sha256 for the RPM, the SRPM and the modulefile', () => {
    const digests = built.map((outputs) => Object.fromEntries(KINDS.map((kind) => [kind, sha256(outputs[kind])])));
    for (const [i, d] of digests.entries()) console.log(`build ${i + 1}: ${KINDS.map((kind) => `${kind} ${d[kind]}`).join(', ')}`);
    expect(digests[1]).toEqual(digests[0]);
  });

  it('names no directory of the build in any header tag of the RPM or the SRPM', async () => {
    for (const outputs of built) {
      for (const pkg of [outputs.rpm, outputs.srpm]) {
        const xml = await run('rpm', ['-qp', '--xml', pkg]);
        expect(xml.status, xml.stderr).toBe(0);
        for (const named of [work, tmpdir(), pythonPath('3.11'), 'BUILDROOT', 'rpmbuild/']) expect(xml.stdout, `${pkg} names ${named}`).not.toContain(named);
      }
    }
  });

  it('rebuilds the SRPM with the network disabled into the same payload', async () => {
    const [outputs] = built;
    const topdir = join(work, 'rebuild');
    mkdirSync(topdir);
    const r = await run(requiredCommand('unshare', 'util-linux'), ['--net', requiredCommand('rpmbuild', 'rpm'), '--rebuild', '--nodeps', '--define', `_topdir ${topdir}`, '--define', 'dist .el9', outputs?.srpm ?? ''],
      { env: { ...buildEnv(roots[0] ?? work), PHOREUS_BUILD_PYTHON: pythonPath('3.11') } });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const [rebuilt] = filesIn(join(topdir, 'RPMS/x86_64'), /\.rpm$/);
    expect(await payloadDigest(rebuilt ?? '')).toBe(await payloadDigest(outputs?.rpm ?? ''));
  });
});
