/**
 * The worker thread of a payload stream (payload-stream.ts). It runs the decompressor, reads
 * its output as fast as it comes, hashes every regular file of the cpio archive as it goes by,
 * and hands the output on in batches of about a MiB, each with the digests of the files that
 * ended in it. The pieces are transferred, not copied: this thread keeps none of them.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { CpioReader, isRegular } from './cpio.js';

export interface ThreadData {
  rpm: string;
  /** The decompressor and its arguments; rpm2cpio, which reads the RPM itself, when no offset is given. */
  command: string[];
  /** Where the payload begins in the RPM, which the decompressor reads as its standard input. */
  offset?: number;
  /** Whether the files are hashed. */
  digests: boolean;
}

export type ThreadMessage =
  | { pid: number }
  /** Pieces of the archive, in order, and the sha256 (base64url) of each regular file that ended in them. */
  | { pieces: Uint8Array[]; digests: string[] }
  | { error: string }
  | { code: number | null; stderr: string };

const BATCH = 1 << 20;
/** Batches waiting for the reader; past this, the decompressor is held back. */
const MAX_BATCHES = 32;

/** The RPM file open at `offset`: reading with no position moves the file's offset, which the child inherits. */
function openAt(rpm: string, offset: number): number {
  const fd = openSync(rpm, 'r');
  const skip = Buffer.allocUnsafe(Math.max(1, Math.min(offset, BATCH)));
  for (let left = offset; left > 0;) {
    const n = readSync(fd, skip, 0, Math.min(left, skip.length), null);
    if (n === 0) break;
    left -= n;
  }
  return fd;
}

function run(port: NonNullable<typeof parentPort>, data: ThreadData): void {
  const post = (message: ThreadMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  const input = data.offset === undefined ? 'ignore' : openAt(data.rpm, data.offset);
  const [command = 'rpm2cpio', ...args] = data.command;
  const child = spawn(command, args, { stdio: [input, 'pipe', 'pipe'], detached: true }) as ChildProcessByStdio<null, Readable, Readable>;
  if (typeof input === 'number') closeSync(input);
  if (child.pid !== undefined) post({ pid: child.pid });

  let digests: string[] = [];
  // A payload the reader cannot parse is reported by the reader of the other side; here hashing stops.
  let hashing = data.digests;
  const reader = new CpioReader((header) => {
    if (!isRegular(header.mode)) return { data: () => undefined, end: () => undefined };
    const hash = createHash('sha256');
    return { data: (chunk) => { hash.update(chunk); }, end: () => { digests.push(hash.digest('base64url')); } };
  });

  let pieces: Uint8Array[] = [];
  let size = 0;
  let waiting = 0;
  let stderr = '';
  const flush = (): void => {
    if (pieces.length === 0 && digests.length === 0) return;
    if (++waiting >= MAX_BATCHES) child.stdout.pause();
    post({ pieces, digests }, pieces.map((piece) => piece.buffer as ArrayBuffer));
    pieces = [];
    digests = [];
    size = 0;
  };
  port.on('message', () => {
    if (--waiting < MAX_BATCHES / 2) child.stdout.resume();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    if (hashing) {
      try {
        reader.push(chunk);
      } catch {
        hashing = false;
      }
    }
    // A piece that shares its memory with others is copied, so that it can be transferred.
    pieces.push(chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.length ? chunk : Uint8Array.prototype.slice.call(chunk));
    size += chunk.length;
    if (size >= BATCH) flush();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = `${stderr}${text}`.slice(-65536);
  });
  child.on('error', (error) => post({ error: error.message }));
  child.on('close', (code) => {
    flush();
    post({ code, stderr });
    port.close();
  });
}

if (parentPort && workerData) run(parentPort, workerData as ThreadData);
