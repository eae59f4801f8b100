/**
 * An RPM's payload, streamed into the cpio reader as it is decompressed, so nothing is
 * extracted to disk. It is decompressed by its compressor's own tool reading the RPM from
 * where the payload begins (rpm2cpio writes to a pipe eight KiB at a time, which costs more
 * than the decompression), into a named pipe this process reads with one buffer, again and
 * again: one pass over the bytes, hashing each file as it goes by, while the decompressor runs
 * on another core, and no memory to allocate and collect for every piece.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { BuildFailure } from '../core/errors.js';
import { adoptChild, removeScratch, scratchDir } from '../tools/lifecycle.js';
import { lastLine } from '../tools/process.js';
import { which } from '../tools/system.js';
import { CpioReader, isRegular, type CpioHeader, type EntryReader } from './cpio.js';
import { decompressorFor, locatePayload } from './payload-location.js';

/**
 * What reads one entry: given its header, and for a regular file what gives its sha256
 * (base64url, as RECORD writes it) once its last piece is read, when it was hashed.
 */
export type OnEntry = (header: CpioHeader, sha256: () => string | undefined) => EntryReader;

/** A payload being decompressed: started before its reader is known, so decompression starts while the header is read. */
export interface PayloadStream {
  /**
   * Streams every entry to `onEntry`, each regular file `hashed` picks (by its name in the
   * archive) hashed on its way; resolves when the archive's trailer is read and the
   * decompressor has ended well.
   */
  read(onEntry: OnEntry, hashed?: (name: string) => boolean): Promise<void>;
  /** Stops the decompressor, when the payload will not be read after all. */
  cancel(): void;
}

/** The buffer the pipe is read into (a pipe holds 64 KiB: one read rarely fills it). */
const READ_SIZE = 1 << 20;
/** How long the payload is read before the event loop gets a turn (signals, timers). */
const SLICE_MS = 20;
/** The end of the decompressor's error output kept for the refusal. */
const STDERR_TAIL = 65536;

/**
 * How the payload is decompressed: by its compressor's own tool reading the RPM from where
 * the payload begins, when the header names a compressor whose tool is installed; else by
 * rpm2cpio, which knows every compressor rpm does.
 */
function payloadReader(rpm: string): { command: string[]; offset?: number } {
  const fallback = { command: ['rpm2cpio', rpm] };
  let location;
  const fd = openSync(rpm, 'r');
  try {
    location = locatePayload((offset, length) => {
      const bytes = Buffer.allocUnsafe(length);
      return bytes.subarray(0, readSync(fd, bytes, 0, length, offset));
    });
  } catch {
    // rpm's own reading of the header says what is wrong with it.
    return fallback;
  } finally {
    closeSync(fd);
  }
  const command = decompressorFor(location.compressor);
  return command?.[0] && which(command[0]) ? { command, offset: location.offset } : fallback;
}

/** The RPM file open at `offset`: reading with no position moves the file's offset, which the child inherits. */
function openAt(rpm: string, offset: number): number {
  const fd = openSync(rpm, 'r');
  const skip = Buffer.allocUnsafe(Math.max(1, Math.min(offset, READ_SIZE)));
  for (let left = offset; left > 0;) {
    const n = readSync(fd, skip, 0, Math.min(left, skip.length), null);
    if (n === 0) break;
    left -= n;
  }
  return fd;
}

/** coreutils' mkfifo: on PATH, else where every distro installs it (a PATH may hold only rpm's tools). */
function mkfifo(): string {
  const found = which('mkfifo') ?? ['/usr/bin/mkfifo', '/bin/mkfifo'].find((path) => existsSync(path));
  if (!found) throw new BuildFailure('mkfifo (coreutils) is not installed: the payload is read through a named pipe it makes; install coreutils');
  return found;
}

/**
 * A named pipe at `path`, open at both ends. Opening one end of a FIFO waits for the other:
 * a non-blocking reader lets the writer open at once, and then the blocking reader does.
 */
function openPipe(path: string): { read: number; write: number } {
  const made = spawnSync(mkfifo(), ['-m', '600', path], { encoding: 'utf8' });
  if (made.status !== 0) throw new BuildFailure(`mkfifo could not make the pipe the payload is read through: ${made.error?.message ?? lastLine(made.stderr)}`);
  const probe = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const write = openSync(path, constants.O_WRONLY);
    try {
      return { read: openSync(path, constants.O_RDONLY), write };
    } catch (error) {
      closeSync(write);
      throw error;
    }
  } finally {
    closeSync(probe);
  }
}

/** The last line of what the decompressor wrote to its error file. */
function errorLine(fd: number): string {
  const size = fstatSync(fd).size;
  const tail = Buffer.alloc(Math.min(size, STDERR_TAIL));
  readSync(fd, tail, 0, tail.length, size - tail.length);
  return lastLine(tail.toString('utf8'));
}

/** `onEntry` with each regular file `hashed` picks hashed on its way to it. */
function hashing(onEntry: OnEntry, hashed: (name: string) => boolean): (header: CpioHeader) => EntryReader {
  return (header) => {
    if (!isRegular(header.mode) || !hashed(header.name)) return onEntry(header, () => undefined);
    const hash = createHash('sha256');
    let digest: string | undefined;
    const reader = onEntry(header, () => digest);
    return {
      data: (chunk) => {
        hash.update(chunk);
        reader.data(chunk);
      },
      end: () => {
        digest = hash.digest('base64url');
        reader.end();
      },
    };
  };
}

/** The decompressor's end: its exit status, or why it could not run. */
function ending(child: ChildProcess): Promise<{ code: number | null; error?: Error }> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
}

export function startPayload(rpm: string): PayloadStream {
  const { command: [tool = 'rpm2cpio', ...args], offset } = payloadReader(rpm);
  const dir = scratchDir('phoreus-payload-');
  let pipe: { read: number; write: number } | undefined;
  let stderr: number | undefined;
  let child: ChildProcess;
  try {
    pipe = openPipe(join(dir, 'payload'));
    // A file, not a pipe: the payload is read on this thread, which never drains another pipe meanwhile.
    stderr = openSync(join(dir, 'stderr'), 'w+', 0o600);
    const input = offset === undefined ? 'ignore' : openAt(rpm, offset);
    try {
      child = spawn(tool, args, { stdio: [input, pipe.write, stderr], detached: true });
    } finally {
      if (typeof input === 'number') closeSync(input);
      closeSync(pipe.write);
    }
  } catch (error) {
    for (const fd of [pipe?.read, stderr]) if (fd !== undefined) closeSync(fd);
    removeScratch(dir);
    throw error;
  }
  adoptChild(child);
  const ended = ending(child);
  // Until it is read, the payload keeps nothing alive: a run that stops before reading it still ends.
  child.unref();
  const input = pipe.read;
  const errors = stderr;
  let open = true;
  const release = (): void => {
    if (!open) return;
    open = false;
    closeSync(input);
    closeSync(errors);
    removeScratch(dir);
  };
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    release();
  };

  return {
    cancel: stop,
    read: (onEntry, hashed) => new Promise((resolve, reject) => {
      child.ref();
      const reader = new CpioReader(hashing(onEntry, hashed ?? (() => false)));
      const buffer = Buffer.allocUnsafe(READ_SIZE);
      const fail = (error: unknown): void => {
        stop();
        reject(error instanceof BuildFailure ? error : new BuildFailure(`the payload of ${rpm} cannot be read: ${(error as Error).message}`));
      };
      const finish = async (): Promise<void> => {
        const { code, error } = await ended;
        if (error) {
          fail(new BuildFailure(`${tool} could not run: ${error.message}`));
        } else if (code !== 0 || !reader.finished) {
          const why = errorLine(errors);
          fail(new BuildFailure(`${tool} could not read the payload of ${rpm}: it is damaged or holds entries its header does not list (${tool} exit status ${code}${why ? `: ${why}` : ''})`));
        } else {
          release();
          resolve();
        }
      };
      // The pieces are views of one buffer, read into again: a reader keeps a copy of what it keeps (cpio.ts).
      const slice = (): void => {
        const until = performance.now() + SLICE_MS;
        try {
          for (;;) {
            const n = readSync(input, buffer, 0, buffer.length, null);
            if (n === 0) {
              void finish();
              return;
            }
            reader.push(buffer.subarray(0, n));
            if (performance.now() >= until) break;
          }
        } catch (error) {
          fail(error);
          return;
        }
        setImmediate(slice);
      };
      slice();
    }),
  };
}

/** Streams every payload entry to `onEntry` as it is decompressed; resolves when the archive's trailer is read. */
export function readPayload(rpm: string, onEntry: (header: CpioHeader) => EntryReader): Promise<void> {
  return startPayload(rpm).read(onEntry);
}
