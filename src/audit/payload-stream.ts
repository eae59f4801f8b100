/**
 * An RPM's payload, read as it is decompressed. It is decompressed by its compressor's own tool
 * reading the RPM from where the payload begins, into a scratch file that this process reads
 * as it grows: one pass over the bytes, while the decompressor runs on another core. A file
 * and not a pipe: a pipe costs more to pass the bytes through than the decompression itself,
 * and a file lets the reader skip what its readers decline (payload-files.ts) and read an
 * entry in place once it is all written. The scratch file is the archive, not its files:
 * nothing of the payload is extracted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { close, closeSync, fstatSync, openSync, readSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BuildFailure, ExpectedError, UsageError } from '../core/errors.js';
import { adoptChild, removeScratch, scratchDir } from '../tools/lifecycle.js';
import { lastLine } from '../tools/process.js';
import { which } from '../tools/system.js';
import { CpioReader, isRegular, type CpioHeader, type EntryReader } from './cpio.js';
import { fileSource, type ByteSource } from './elf.js';
import { decompressorFor, locatePayload } from './payload-location.js';

/** A payload entry as the stream gives it, beside its data. */
export interface PayloadEntry {
  /** A regular file's sha256 (base64url, as RECORD writes it), once its reader's end() is called. */
  sha256(): string | undefined;
  /** Its data where the archive is kept: readable from its reader's end() until the read resolves. */
  bytes(): ByteSource;
}

/** What reads one entry: given its header and what the stream knows of it. */
export type OnEntry = (header: CpioHeader, entry: PayloadEntry) => EntryReader;

/** A payload being decompressed: started before its reader is known, so decompression starts while the header is read. */
export interface PayloadStream {
  /**
   * Streams every entry to `onEntry`. With `digests`, each regular file has its sha256: the
   * one `digests` gives it (by its name in the archive), else it is hashed on its way.
   * Resolves when the archive's trailer is read and the decompressor has ended well.
   */
  read(onEntry: OnEntry, digests?: (name: string) => string | undefined): Promise<void>;
  /** Stops the decompressor, when the payload will not be read after all. */
  cancel(): void;
}

/** The buffer the archive is read into, again and again. */
const READ_SIZE = 1 << 20;
/** How long the payload is read before the event loop gets a turn (signals, timers). */
const SLICE_MS = 20;
/** How often the file system the archive grows on is looked at while it is decompressed. */
const WATCH_MS = 50;
/** Space the decompressed archive leaves free on its file system: past it, the decompressor is stopped. */
const RESERVE = 128 * 1024 * 1024;
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

/** The last line of what the decompressor wrote to its error file. */
function errorLine(fd: number): string {
  const size = fstatSync(fd).size;
  const tail = Buffer.alloc(Math.min(size, STDERR_TAIL));
  readSync(fd, tail, 0, tail.length, size - tail.length);
  return lastLine(tail.toString('utf8'));
}

/**
 * `onEntry` given each entry's bytes in the archive file and, with `digests`, a regular file's
 * digest: the one `digests` gives, else hashed on its way to its reader (which then gets every
 * piece, needed or not).
 */
function described(onEntry: OnEntry, digests: ((name: string) => string | undefined) | undefined, archive: number): (header: CpioHeader) => EntryReader {
  return (header) => {
    const bytes = (): ByteSource => fileSource(archive, header.size, header.offset);
    const given = digests && isRegular(header.mode) ? digests(header.name) : undefined;
    if (!digests || given !== undefined || !isRegular(header.mode)) return onEntry(header, { sha256: () => given, bytes });
    const hash = createHash('sha256');
    let digest: string | undefined;
    const reader = onEntry(header, { sha256: () => digest, bytes });
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
  const parent = dirname(dir);
  let archive: number | undefined;
  let stderr: number | undefined;
  let child: ChildProcess;
  try {
    const written = openSync(join(dir, 'payload.cpio'), 'w', 0o600);
    try {
      archive = openSync(join(dir, 'payload.cpio'), 'r');
      // A file, not a pipe: nothing here drains a pipe while the payload is read.
      stderr = openSync(join(dir, 'stderr'), 'w+', 0o600);
      const input = offset === undefined ? 'ignore' : openAt(rpm, offset);
      try {
        child = spawn(tool, args, { stdio: [input, written, stderr], detached: true });
      } finally {
        if (typeof input === 'number') closeSync(input);
      }
    } finally {
      closeSync(written);
    }
  } catch (error) {
    for (const fd of [archive, stderr]) if (fd !== undefined) closeSync(fd);
    throw error;
  } finally {
    // Open at both ends, the files need no names: they go when their last descriptors close, whatever ends this run.
    removeScratch(dir);
  }
  adoptChild(child);
  let exited = false;
  const ended = ending(child).then((end) => {
    exited = true;
    return end;
  });
  // Until it is read, the payload keeps nothing alive: a run that stops before reading it still ends.
  child.unref();
  const input = archive;
  const errors = stderr;
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const roomLeft = (): number => {
    const fs = statfsSync(parent);
    return fs.bavail * fs.bsize;
  };
  /** How large the archive had grown when the file system ran short of room for it. */
  let overgrown: number | undefined;
  const watch = setInterval(() => {
    if (!running() || roomLeft() >= RESERVE) return;
    overgrown = fstatSync(input).size;
    child.kill('SIGKILL');
  }, WATCH_MS);
  watch.unref();
  let open = true;
  const release = (): void => {
    if (!open) return;
    open = false;
    clearInterval(watch);
    // Closing the last descriptor of the archive gives back its pages: on the thread pool, beside what this thread does next.
    close(input, () => undefined);
    closeSync(errors);
  };
  const stop = (): void => {
    if (running()) child.kill('SIGKILL');
    release();
  };

  return {
    cancel: stop,
    read: (onEntry, digests) => new Promise((resolve, reject) => {
      child.ref();
      const reader = new CpioReader(described(onEntry, digests, input));
      const buffer = Buffer.allocUnsafe(READ_SIZE);
      const fail = (error: unknown): void => {
        stop();
        reject(error instanceof ExpectedError ? error : new BuildFailure(`the payload of ${rpm} cannot be read: ${(error as Error).message}`));
      };
      const finish = async (): Promise<void> => {
        const { code, error } = await ended;
        if (error) {
          fail(new BuildFailure(`${tool} could not run: ${error.message}`));
        } else if (overgrown !== undefined || (code !== 0 && roomLeft() < RESERVE)) {
          // Stopped here, or out of room before it could be: either way the machine's doing, not the payload's.
          const size = overgrown ?? fstatSync(input).size;
          fail(new UsageError(`the payload of ${rpm} grew to ${Math.round(size / 1048576)} MiB decompressed, past the room in the file system of ${parent} (${RESERVE / 1048576} MiB stay free): free space there, or point TMPDIR at a larger one`));
        } else if (code !== 0 || !reader.finished) {
          const why = errorLine(errors);
          fail(new BuildFailure(`${tool} could not read the payload of ${rpm}: it is damaged or holds entries its header does not list (${tool} exit status ${code}${why ? `: ${why}` : ''})`));
        } else {
          release();
          resolve();
        }
      };
      let position = 0;
      /** Bytes of an entry skipped past, given to the reader once the file holds what follows them. */
      let skipped = 0;
      // The pieces are views of one buffer, read into again: a reader keeps a copy of what it keeps (cpio.ts).
      const slice = (): void => {
        const until = performance.now() + SLICE_MS;
        try {
          for (;;) {
            if (skipped === 0 && reader.skippable > 0) {
              skipped = reader.skippable;
              position += skipped;
            }
            // Whether the decompressor had ended before this read: if so, a read that finds nothing is the end.
            const complete = exited;
            const n = readSync(input, buffer, 0, buffer.length, position);
            if (n === 0) {
              if (complete) void finish();
              else setTimeout(slice, 1);
              return;
            }
            position += n;
            if (skipped > 0) reader.skip(skipped);
            skipped = 0;
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
  return startPayload(rpm).read((header) => onEntry(header));
}
