/**
 * Reads a binary RPM's header through rpm: `rpm -qp --qf` for its identity, dependencies and
 * file list, and --scripts --triggers for its scriptlets (its payload: payload-stream.ts).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { BuildFailure, UsageError } from '../core/errors.js';
import { lastLine, run } from '../tools/process.js';
import type { RpmHeader, Scriptlet } from './header-rules.js';

/** FILEMODES once more, as numbers on one line: how many files the header lists, which no name can break (FILES). */
const QUERY = 'NAME\t%{NAME}\nVERSION\t%{VERSION}\nRELEASE\t%{RELEASE}\nARCH\t%{ARCH}\nDIGESTALGO\t%{FILEDIGESTALGO}\nMODES\t[%{FILEMODES} ]\n[REQUIRE\t%{REQUIRENEVRS}\n][PROVIDE\t%{PROVIDENEVRS}\n]';
/** Every file the header lists, with the mode rpm installs it with and its digest: the name last, the only field that may hold a newline. */
const FILES = '[FILE\t%{FILEMODES}\t%{FILEDIGESTS}\t%{FILENAMES}\n]';
/** FILEDIGESTALGO's value for SHA-256 (PGPHASHALGO_SHA256), the digest RECORD gives. */
const SHA256 = '8';
/** "postinstall scriptlet (using /bin/sh):", "postinstall program: /sbin/ldconfig", "triggerin scriptlet (using /bin/sh) -- foo". */
const SCRIPT_HEADER = /^((?:pre|post|trigger|verify|filetrigger|transfiletrigger)\S*) (scriptlet|program|script)\b([^:]*)(?::\s*(.*))?$/;

/** The magic number every RPM file starts with (its lead); the lead's type follows at offset 6: 0 binary, 1 source. */
const RPM_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb]);
const SOURCE_TYPE = 1;

/**
 * The path given to the audit names a binary RPM: a missing file, a directory, another kind of
 * file or a source RPM is a usage error, said before rpm is asked anything.
 */
export function assertBinaryRpm(path: string): void {
  const again = 'pass the path of a binary RPM';
  if (!existsSync(path)) throw new UsageError(`${path} does not exist; ${again}`);
  if (!statSync(path).isFile()) throw new UsageError(`${path} is not a file; ${again}`);
  const lead = Buffer.alloc(8);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, lead, 0, lead.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!lead.subarray(0, 4).equals(RPM_MAGIC)) throw new UsageError(`${path} is not an RPM (it does not start with the RPM magic number); ${again}`);
  if (lead.readUInt16BE(6) === SOURCE_TYPE) throw new UsageError(`${path} is a source RPM; pass the binary RPM built from it`);
}

export function parseScriptlets(text: string): Scriptlet[] {
  const scriptlets: Scriptlet[] = [];
  let current: Scriptlet | undefined;
  for (const line of text.split('\n')) {
    const m = SCRIPT_HEADER.exec(line);
    if (m) {
      current = { kind: `${m[1]} ${m[2]}${m[3] ?? ''}`.trim(), body: m[4] ?? '' };
      scriptlets.push(current);
    } else if (current) {
      current.body += `${current.body ? '\n' : ''}${line}`;
    }
  }
  return scriptlets;
}

/** The header's file list: "FILE<tab>mode<tab>digest<tab>/path" lines; anything else is a name that broke its line. */
export function parseFiles(text: string): RpmHeader['files'] {
  const files: RpmHeader['files'] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^FILE\t(\d+)\t([0-9a-f]*)\t(\/.*)$/.exec(line);
    files.push(m ? { path: m[3] ?? '', mode: Number(m[1]), ...(m[2] ? { digest: m[2] } : {}) } : { path: line, mode: -1 });
  }
  return files;
}

/**
 * The sha256 of each regular file by its name in the archive (base64url, as RECORD writes
 * it), from the header, which rpm checks every file it installs against: none unless the
 * header's digests are SHA-256 and its listing held together, one line per file (a name
 * holding a newline could forge a line, and with it a digest rpm never checks) and no path
 * twice.
 */
export function headerDigests(files: RpmHeader['files'], algorithm: string, count: number): Map<string, string> {
  const digests = new Map<string, string>();
  if (algorithm !== SHA256 || files.length !== count) return new Map();
  const bytes = Buffer.alloc(32);
  for (const file of files) {
    const name = file.path.slice(1);
    if (file.mode < 0 || digests.has(name)) return new Map();
    if (file.digest?.length === 64 && (file.mode & 0o170000) === 0o100000 && bytes.write(file.digest, 'hex') === 32) digests.set(name, bytes.toString('base64url'));
  }
  return digests;
}

export async function readHeader(rpm: string): Promise<RpmHeader> {
  // Three queries, one header: run side by side, each rpm start-up costs more than its query.
  const [q, scripts, files] = await Promise.all([
    run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', QUERY, rpm]),
    run('rpm', ['-qp', '--nosignature', '--nodigest', '--scripts', '--triggers', rpm]),
    run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', FILES, rpm]),
  ]);
  if (q.exitCode !== 0) throw new BuildFailure(`${rpm} is not a readable RPM: ${lastLine(q.stderr)}`);
  const header: RpmHeader = { name: '', version: '', release: '', arch: '', requires: [], provides: [], scriptlets: [], files: [], digests: new Map() };
  let algorithm = '';
  let count = Number.NaN;
  for (const line of q.stdout.split('\n')) {
    const [key, value = ''] = line.split('\t');
    if (key === 'NAME') header.name = value;
    else if (key === 'DIGESTALGO') algorithm = value;
    else if (key === 'MODES') count = /^(\d+ )*$/.test(value) ? value.split(' ').length - 1 : Number.NaN;
    else if (key === 'VERSION') header.version = value;
    else if (key === 'RELEASE') header.release = value;
    else if (key === 'ARCH') header.arch = value;
    else if (key === 'REQUIRE') header.requires.push(value);
    else if (key === 'PROVIDE') header.provides.push(value);
  }
  header.scriptlets = parseScriptlets(scripts.stdout);
  header.files = parseFiles(files.stdout);
  header.digests = headerDigests(header.files, algorithm, count);
  return header;
}
