/**
 * The hello-tool fixture, built for real: wheels made here (alpha with a console script,
 * fastcount with a C extension compiled by gcc for each interpreter, pip from each
 * interpreter's bundled wheel) on a local index, a lock compiled by the real pip-compile,
 * and the bundled CLI's build.
 */
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { servePackageIndex, type PackageIndex } from './package-index.js';
import { isolatedEnv, makeWheel, pythonPath, REPO, run, runCli, TEST_CACHE } from './processes.js';
import { pipToolsPython } from '../../src/tools/pip-tools.js';
import { streamLog } from '../../src/core/log.js';
import { requiredCommand } from './required-tools.js';

export const EPOCH = '1700000000';

/** Files of a directory whose names match, as full paths (fs.globSync needs Node 22). */
export function filesIn(dir: string, pattern: RegExp): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => pattern.test(f)).map((f) => join(dir, f)) : [];
}

export async function helloToolIndex(wheels: string, interpreters: readonly string[]): Promise<PackageIndex> {
  requiredCommand('gcc', 'gcc'); // make_wheel.py compiles fastcount's extension with it
  makeWheel(wheels, 'alpha', '1.0', ['--script', 'alpha-cli=alpha:main', '--payload', 'def main():\n    print("alpha")']);
  for (const minor of interpreters) {
    const r = await run(pythonPath(minor), [join(REPO, 'test/support/make_wheel.py'), wheels, 'fastcount', '1.0',
      '--ext', join(REPO, 'test/fixtures/fastcount/native.c'), '--payload', 'from ._native import count']);
    if (r.status !== 0) throw new Error(r.stderr);
    // pip itself comes from the interpreter's bundled wheel, so the lock can pin it offline.
    for (const pip of filesIn(join(dirname(dirname(pythonPath(minor))), 'lib', `python${minor}`, 'ensurepip', '_bundled'), /^pip-.*\.whl$/)) {
      cpSync(pip, join(wheels, pip.split('/').pop() ?? ''));
    }
  }
  return servePackageIndex(wheels);
}

export interface BuiltTool {
  rpm: string;
  srpm: string;
  modulefile: string;
  out: string;
  project: string;
  /** What the build printed on stderr: its progress. */
  log: string;
}

/** Copies the fixture project and locks it for `minor` against the index; returns the project. */
export async function lockHelloTool(work: string, index: PackageIndex, minor: string): Promise<string> {
  const project = join(work, `project-${minor}`);
  cpSync(join(REPO, 'test/fixtures/hello-tool'), project, { recursive: true });
  process.env.PHOREUS_RPM_CACHE = TEST_CACHE; // where pip-tools is bootstrapped once per machine
  const pipTools = await pipToolsPython(pythonPath(minor), minor, streamLog(() => undefined));
  const compiled = await run(pipTools, ['-m', 'piptools', 'compile', '--quiet', '--generate-hashes', '--allow-unsafe',
    `--index-url=${index.url}`, '--output-file=requirements.lock', 'requirements.in'], { cwd: project, env: isolatedEnv() });
  if (compiled.status !== 0) throw new Error(compiled.stderr);
  return project;
}

/** Copies the fixture project, locks it for `minor` against the index, and builds it with the CLI. */
export async function buildHelloTool(work: string, index: PackageIndex, minor: string, cache: string): Promise<BuiltTool> {
  const project = await lockHelloTool(work, index, minor);
  const out = join(work, `out-${minor}`);
  const r = await runCli(['build', '--project', project, '--interpreter', minor, '--distro', 'el9', '--out', out, '--index-url', index.url],
    isolatedEnv({ SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: cache }));
  if (r.status !== 0) throw new Error(`build for ${minor} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(readFileSync(join(out, 'build-report.json'), 'utf8'));
  return { ...report.artifacts, out, project, log: r.stderr };
}
