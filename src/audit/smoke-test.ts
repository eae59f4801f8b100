/**
 * The smoke test: the RPM's payload extracted into a scratch root, mounted at
 * /usr/local/phoreus in a private mount namespace with the target interpreter bind-mounted
 * at its home, the modulefile loaded by real Lmod, and a command run — as a user's shell
 * would. Needs root (or passwordless sudo), unshare, setpriv and Lmod; touches nothing of
 * the host.
 *
 * The payload is untrusted until it has run: only its /usr/local/phoreus tree is extracted,
 * by this module's own reader, never through a symlink and never outside the scratch root;
 * names are checked before they reach a shell or Lmod; and the command runs as nobody, with
 * no new privileges and no network.
 */
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { finding, type Finding } from '../core/finding.js';
import { UsageError } from '../core/errors.js';
import { judgeHome, judgeModule, judgeToolName, judgeToolVersion } from '../inputs/values.js';
import type { Log } from '../core/log.js';
import { luaString } from '../rpm/modulefile.js';
import { removeScratch, scratchDir } from '../tools/lifecycle.js';
import { findPython } from '../tools/python.js';
import { run, type RunResult } from '../tools/process.js';
import { asRoot, installPackages, requireTools, which } from '../tools/system.js';
import { gathered, isDirectory, isRegular, isSymlink, type CpioHeader, type EntryReader } from './cpio.js';
import { readPayload } from './payload-stream.js';
import { defaultSmokeCommand, type ToolMetadata } from './smoke-command.js';
import { normalizeName } from '../requirements/pep508.js';
import { MODULEFILE_ROOT, modulefilePath, PHOREUS_ROOT, venvPath } from '../core/layout.js';

const LMOD_INITS = ['/usr/share/lmod/lmod/init/bash', '/usr/share/lmod/lmod/init/profile', '/opt/apps/lmod/lmod/init/bash'];
/** The user the command runs as: nobody, who owns nothing the payload could harm. */
const NOBODY = '65534';
const TREE = `${PHOREUS_ROOT.slice(1)}/`;

export function lmodInit(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.LMOD_PKG ? [join(env.LMOD_PKG, 'init', 'bash'), ...LMOD_INITS] : LMOD_INITS;
  return candidates.find((c) => existsSync(c));
}

/** Why the smoke test cannot run here, or undefined when it can. */
export async function smokeTestUnavailable(): Promise<string | undefined> {
  if (!(await asRoot())) return 'it needs root or passwordless sudo';
  if (!which('unshare') || !which('setpriv')) return 'unshare and setpriv (util-linux) are not installed';
  if (!lmodInit()) return 'Lmod is not installed (apt-get install lmod, or dnf install Lmod)';
  return undefined;
}

/** Installs what the smoke test needs (Lmod, unshare, setpriv) when asked for it explicitly. */
export async function provideSmokeTestTools(log: Log): Promise<void> {
  if (!lmodInit()) await installPackages({ apt: ['lmod'], dnf: ['Lmod'] }, 'Lmod', log);
  await requireTools(['unshare', 'setpriv'], log);
}

/** The payload refused to be extracted: why, in one line. */
export class UnsafePayload extends Error {
  override name = 'UnsafePayload';
}

/**
 * Where an entry goes under the root, or undefined when it is outside the phoreus tree;
 * refused when any directory on its way is a symlink (a write through it could land
 * anywhere).
 */
function target(root: string, name: string): string | undefined {
  const normal = posix.normalize(`/${name}`).slice(1);
  if (!normal.startsWith(TREE)) return undefined;
  let at = root;
  for (const part of normal.split('/').slice(0, -1)) {
    at = join(at, part);
    if (existsSync(at) && lstatSync(at).isSymbolicLink()) throw new UnsafePayload(`${name} would be written through the symlink ${posix.relative(root, at)}`);
  }
  return join(root, normal);
}

/**
 * What extracts a payload's entries under `root` as they stream by: directories 755, files
 * 644 or 755, symlinks as they are; nothing replaced, nothing outside the phoreus tree.
 */
export const payloadExtractor = (root: string) => (header: CpioHeader): EntryReader => extractEntry(root, header);

function extractEntry(root: string, header: CpioHeader): EntryReader {
  const path = target(root, header.name);
  const none: EntryReader = { data: () => undefined, end: () => undefined };
  if (!path) return none;
  if (isDirectory(header.mode)) {
    mkdirSync(path, { recursive: true, mode: 0o755 });
    return none;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  if (isSymlink(header.mode)) return gathered((entry) => symlinkSync(entry.data.toString('utf8'), path))(header);
  if (!isRegular(header.mode)) return none;
  // "wx": fails on anything already there, a symlink included, so a later entry never writes through an earlier one.
  const fd = openSync(path, 'wx', header.mode & 0o111 ? 0o755 : 0o644);
  return { data: (c) => { writeSync(fd, c); }, end: () => closeSync(fd) };
}

/** Extracts the /usr/local/phoreus tree of each RPM's payload under `root`. */
export async function extractPayloads(rpms: readonly string[], root: string): Promise<void> {
  for (const rpm of rpms) await readPayload(rpm, payloadExtractor(root));
}

/** What phoreus and phoreus-python-X.Y would provide: the interpreter's mount point and its module. */
export function provideInterpreter(root: string, interpreterHome: string, interpreterModule: string): void {
  for (const [what, wrong] of [['interpreter home', judgeHome(interpreterHome)], ['interpreter module', judgeModule(interpreterModule)]] as const) {
    if (wrong) throw new UsageError(`the smoke test's ${what} is not safe: ${wrong}`);
  }
  mkdirSync(join(root, interpreterHome), { recursive: true });
  const module = join(root, MODULEFILE_ROOT, `${interpreterModule}.lua`);
  if (existsSync(module)) return;
  mkdirSync(dirname(module), { recursive: true });
  // As phoreus-python-X.Y would: its programs on PATH, and its libpython found at its home
  // (a shared build may name the directory it was built in, which nobody cannot enter).
  writeFileSync(module, [
    'whatis("Python interpreter module for the smoke test")',
    `prepend_path("PATH", ${luaString(`${interpreterHome}/bin`)})`,
    `prepend_path("LD_LIBRARY_PATH", ${luaString(`${interpreterHome}/lib`)})`,
    '',
  ].join('\n'));
}

/** A word for the bash script: single-quoted. */
const quote = (word: string): string => `'${word.replace(/'/g, "'\\''")}'`;

/**
 * Runs a bash script where /usr/local is a fresh tmpfs holding the scratch root's phoreus
 * tree and `pythonPrefix` (a CPython installation) is mounted at the interpreter's home.
 * The mounts are made as root; the script runs as nobody, with no new privileges, in an
 * empty network namespace, from a home of its own.
 */
export async function runInstalled(root: string, interpreterHome: string, pythonPrefix: string, script: string): Promise<RunResult> {
  const prefix = await asRoot();
  const init = lmodInit();
  if (!prefix || !init) throw new UsageError(`the smoke test cannot run here: ${await smokeTestUnavailable()}`);
  const wrong = judgeHome(interpreterHome);
  if (wrong) throw new UsageError(`the smoke test's interpreter home is not safe: ${wrong}`);
  const user = [
    'unset PYTHONPATH PYTHONHOME VIRTUAL_ENV PYENV_VERSION',
    `source ${quote(init)}`,
    `module use ${MODULEFILE_ROOT}`,
    script,
  ].join('\n');
  const setup = [
    'set -e',
    'mount -t tmpfs tmpfs /usr/local',
    `mkdir -p ${PHOREUS_ROOT} /usr/local/smoke-home`,
    `chown ${NOBODY}:${NOBODY} /usr/local/smoke-home`,
    `mount --bind ${quote(join(root, PHOREUS_ROOT))} ${PHOREUS_ROOT}`,
    `mount --bind ${quote(pythonPrefix)} ${quote(interpreterHome)}`,
    'cd /usr/local/smoke-home',
    // A clean user environment: nothing of the host's Python setup leaks in.
    `exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups --no-new-privs env -i HOME=/usr/local/smoke-home PATH=/usr/bin:/bin LANG=C.UTF-8 bash -c ${quote(user)}`,
  ].join('\n');
  const [command, ...args] = [...prefix, 'unshare', '--mount', '--net', '--propagation', 'private', 'bash', '-c', setup];
  return run(command ?? 'unshare', args);
}

export interface SmokeTestInput {
  rpm: string;
  tool: string;
  version: string;
  interpreter: string;
  interpreterHome: string;
  interpreterModule: string;
  /** The command to run once the module is loaded; default: the tool's console script with --version, else --help (defaultSmokeCommand). */
  command?: string;
  python?: string;
}

/** What the smoke test ran, for the report. */
export interface SmokeTestRun {
  command?: string;
  /** What the command exercises: the tool's console script, an import of its packages, the venv's python. */
  what?: string;
  passed: boolean;
}

/** Reads a small regular file of the extracted payload; never follows a link. */
function smallFile(path: string): string | undefined {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.size <= 256 * 1024 ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** The tool's own distribution metadata in the extracted venv: its entry points, top-level modules and installed scripts. */
function toolMetadata(venv: string, tool: string, interpreter: string): ToolMetadata {
  const bin = join(venv, 'bin');
  const installed = new Set(existsSync(bin) ? readdirSync(bin).filter((f) => { const st = lstatSync(join(bin, f)); return st.isFile() || st.isSymbolicLink(); }) : []);
  const site = join(venv, 'lib', `python${interpreter}`, 'site-packages');
  const distInfo = existsSync(site) ? readdirSync(site).find((d) => d.endsWith('.dist-info') && normalizeName(d.split('-')[0] ?? '') === normalizeName(tool)) : undefined;
  if (!distInfo) return { installed };
  const entryPoints = smallFile(join(site, distInfo, 'entry_points.txt'));
  const topLevel = smallFile(join(site, distInfo, 'top_level.txt')) ?? recordedTopLevel(smallFile(join(site, distInfo, 'RECORD')) ?? '');
  return { installed, ...(entryPoints !== undefined ? { entryPoints } : {}), topLevel };
}

/** Top-level modules a RECORD installs, for distributions whose backend writes no top_level.txt. */
function recordedTopLevel(record: string): string {
  const modules = record.split('\n').map((line) => /^([A-Za-z_]\w*)(?:\/__init__\.py|\.py),/.exec(line)?.[1]).filter((m): m is string => m !== undefined);
  return modules.join('\n');
}

export async function smokeTest(input: SmokeTestInput, log: Log, ran: SmokeTestRun = { passed: false }): Promise<Finding[]> {
  const modulefile = modulefilePath(input);
  // The names come from the payload: they reach Lmod and a shell only if they are plain names.
  if (judgeToolName(input.tool) || judgeToolVersion(input.version)) {
    return [finding('PH314', modulefile, 1, 'smoke test not run: the payload\'s tool name or version is not a plain name (PH207), so it is not loaded')];
  }
  const root = scratchDir('phoreus-smoke-');
  try {
    try {
      await extractPayloads([input.rpm], root);
    } catch (error) {
      // A payload written through a symlink, twice to one path, or otherwise out of shape is not installed.
      return [finding('PH314', modulefile, 1, `smoke test not run: the payload cannot be extracted safely (${(error as Error).message})`)];
    }
    provideInterpreter(root, input.interpreterHome, input.interpreterModule);
    const python = await findPython(input.interpreter, input.python);
    const pythonPrefix = dirname(dirname(python));
    const module = `${input.tool}/${input.version}`;
    const chosen = input.command ? { command: input.command, what: 'the configured command' } : defaultSmokeCommand(input.tool, toolMetadata(join(root, venvPath(input)), input.tool, input.interpreter));
    const command = chosen.command;
    ran.command = command;
    ran.what = chosen.what;
    log.info(`Smoke test: module load ${module} && ${command}`);
    const r = await runInstalled(root, input.interpreterHome, pythonPrefix, `module load ${quote(module)} || exit 97\n${command}`);
    if (r.exitCode === 0) {
      log.info(`Smoke test passed: ${r.stdout.trim().split('\n').slice(-3).join(' | ')}`);
      ran.passed = true;
      return [];
    }
    const output = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-12).join('\n');
    const what = r.exitCode === 97 ? `module load ${module} failed` : `"${command}" exited with status ${r.exitCode}`;
    return [finding('PH314', modulefile, 1, `smoke test: after installing the payload and loading the module, ${what}:\n${output}`)];
  } finally {
    removeScratch(root);
  }
}
