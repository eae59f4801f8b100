/**
 * Reads a binary RPM's header through rpm: `rpm -qp --qf` for its identity, dependencies and
 * file list, and --scripts --triggers for its scriptlets (its payload: payload-stream.ts).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { BuildFailure, UsageError } from '../core/errors.js';
import { lastLine, run } from '../tools/process.js';
import type { RpmHeader, Scriptlet } from './header-rules.js';

const QUERY = 'NAME\t%{NAME}\nVERSION\t%{VERSION}\nRELEASE\t%{RELEASE}\nARCH\t%{ARCH}\n[REQUIRE\t%{REQUIRENEVRS}\n][PROVIDE\t%{PROVIDENEVRS}\n]';
/** Every file the header lists, with the mode rpm installs it with: the mode first, so a name holding a newline cannot pass for another entry. */
const FILES = '[FILE\t%{FILEMODES}\t%{FILENAMES}\n]';
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

/** The header's file list: "FILE<tab>mode<tab>/path" lines; anything else is a name that broke its line. */
export function parseFiles(text: string): RpmHeader['files'] {
  const files: RpmHeader['files'] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^FILE\t(\d+)\t(\/.*)$/.exec(line);
    files.push(m ? { path: m[2] ?? '', mode: Number(m[1]) } : { path: line, mode: -1 });
  }
  return files;
}

export async function readHeader(rpm: string): Promise<RpmHeader> {
  // Three queries, one header: run side by side, each rpm start-up costs more than its query.
  const [q, scripts, files] = await Promise.all([
    run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', QUERY, rpm]),
    run('rpm', ['-qp', '--nosignature', '--nodigest', '--scripts', '--triggers', rpm]),
    run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', FILES, rpm]),
  ]);
  if (q.exitCode !== 0) throw new BuildFailure(`${rpm} is not a readable RPM: ${lastLine(q.stderr)}`);
  const header: RpmHeader = { name: '', version: '', release: '', arch: '', requires: [], provides: [], scriptlets: [], files: [] };
  for (const line of q.stdout.split('\n')) {
    const [key, value = ''] = line.split('\t');
    if (key === 'NAME') header.name = value;
    else if (key === 'VERSION') header.version = value;
    else if (key === 'RELEASE') header.release = value;
    else if (key === 'ARCH') header.arch = value;
    else if (key === 'REQUIRE') header.requires.push(value);
    else if (key === 'PROVIDE') header.provides.push(value);
  }
  header.scriptlets = parseScriptlets(scripts.stdout);
  header.files = parseFiles(files.stdout);
  return header;
}
