/**
 * Reads a binary RPM through the rpm tools: its header with one `rpm -qp --qf` (and its
 * scriptlets with --scripts --triggers), its payload streamed from rpm2cpio (drained by a
 * worker thread) into the cpio reader, so nothing is extracted to disk.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { BuildFailure, UsageError } from '../core/errors.js';
import { lastLine, run } from '../tools/process.js';
import { adoptGroup } from '../tools/lifecycle.js';
import { CpioReader, type CpioHeader, type EntryReader } from './cpio.js';
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

/**
 * The thread that drains rpm2cpio: it reads the decompressed archive as fast as rpm2cpio writes
 * it and hands it over in blocks of a MiB, so decompression and the audit run side by side
 * instead of taking turns through a pipe of a few KiB. At most MAX_BLOCKS blocks wait for the
 * audit; beyond that rpm2cpio is held back.
 */
const DRAIN = `
const { parentPort, workerData } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const BLOCK = 1 << 20, MAX_BLOCKS = 32;
const child = spawn('rpm2cpio', [workerData.rpm], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
if (child.pid !== undefined) parentPort.postMessage({ pid: child.pid });
let pending = [], size = 0, waiting = 0, stderr = '';
const flush = () => {
  if (size === 0) return;
  const block = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const piece of pending) { piece.copy(block, at); at += piece.length; }
  pending = []; size = 0;
  waiting++;
  if (waiting >= MAX_BLOCKS) child.stdout.pause();
  parentPort.postMessage({ block }, [block.buffer]);
};
parentPort.on('message', () => { waiting--; if (waiting < MAX_BLOCKS / 2) child.stdout.resume(); });
child.stdout.on('data', (d) => { pending.push(d); size += d.length; if (size >= BLOCK) flush(); });
child.stderr.on('data', (d) => { stderr += d; });
child.on('error', (e) => parentPort.postMessage({ error: e.message }));
child.on('close', (code) => { flush(); parentPort.postMessage({ code, stderr }); parentPort.close(); });
`;

type DrainMessage = { pid: number } | { block: Uint8Array } | { error: string } | { code: number | null; stderr: string };

/** A payload being decompressed: started before its reader is known, so rpm2cpio runs while the header is read. */
export interface PayloadStream {
  /** Streams every entry to `onEntry`; resolves when the archive's trailer is read. */
  read(onEntry: (header: CpioHeader) => EntryReader): Promise<void>;
  /** Stops rpm2cpio, when the payload will not be read after all. */
  cancel(): void;
}

export function startPayload(rpm: string): PayloadStream {
  const worker = new Worker(DRAIN, { eval: true, workerData: { rpm } });
  // Until it is read, the payload keeps nothing alive: a run that stops before reading it still ends.
  worker.unref();
  const early: DrainMessage[] = [];
  let handle: ((message: DrainMessage) => void) | undefined;
  let crashed: Error | undefined;
  let onCrash: ((error: Error) => void) | undefined;
  let group: ReturnType<typeof adoptGroup> | undefined;
  worker.on('message', (message: DrainMessage) => {
    if ('pid' in message) group = adoptGroup(message.pid);
    else if (handle) handle(message);
    else early.push(message);
  });
  worker.on('error', (error) => {
    crashed = error;
    onCrash?.(error);
  });
  const stop = (): void => {
    group?.stop();
    void worker.terminate();
  };
  return {
    cancel: stop,
    read: (onEntry) => new Promise((resolve, reject) => {
      worker.ref();
      const reader = new CpioReader(onEntry);
      let settled = false;
      const fail = (error: BuildFailure): void => {
        if (settled) return;
        settled = true;
        stop();
        reject(error);
      };
      onCrash = (error) => fail(new BuildFailure(`the payload of ${rpm} cannot be read: ${error.message}`));
      if (crashed) onCrash(crashed);
      handle = (message) => {
        if (settled) return;
        if ('block' in message) {
          try {
            reader.push(Buffer.from(message.block.buffer, message.block.byteOffset, message.block.byteLength));
          } catch (error) {
            fail(error instanceof BuildFailure ? error : new BuildFailure(`the payload of ${rpm} cannot be read: ${(error as Error).message}`));
            return;
          }
          worker.postMessage(0);
        } else if ('error' in message) {
          fail(new BuildFailure(`rpm2cpio could not run: ${message.error}`));
        } else if ('code' in message) {
          group?.ended();
          settled = true;
          void worker.terminate();
          if (message.code !== 0 || !reader.finished) reject(new BuildFailure(`rpm2cpio could not read ${rpm}: ${lastLine(message.stderr) || `its payload is damaged or holds entries its header does not list (rpm2cpio exit status ${message.code})`}`));
          else resolve();
        }
      };
      for (const message of early.splice(0)) handle(message);
    }),
  };
}

/** Streams every payload entry to `onEntry` as rpm2cpio decompresses it; resolves when the archive's trailer is read. */
export function readPayload(rpm: string, onEntry: (header: CpioHeader) => EntryReader): Promise<void> {
  return startPayload(rpm).read(onEntry);
}
