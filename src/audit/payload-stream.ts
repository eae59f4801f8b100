/**
 * An RPM's payload, streamed into the cpio reader as it is decompressed, so nothing is
 * extracted to disk. It is decompressed by its compressor's own tool reading the RPM from
 * where the payload begins (rpm2cpio writes to a pipe eight KiB at a time, which costs more
 * than the decompression), and each file is hashed as it goes by: one pass over the bytes,
 * on this thread, while the decompressor runs on another core.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { BuildFailure } from '../core/errors.js';
import { adoptChild } from '../tools/lifecycle.js';
import { lastLine } from '../tools/process.js';
import { which } from '../tools/system.js';
import { CpioReader, isRegular, type CpioHeader, type EntryReader } from './cpio.js';
import { decompressorFor, locatePayload } from './payload-location.js';

/**
 * What reads one entry: given its header, and for a regular file what gives its sha256
 * (base64url, as RECORD writes it) once its last piece is read, when digests were asked for.
 */
export type OnEntry = (header: CpioHeader, sha256: () => string | undefined) => EntryReader;

/** A payload being decompressed: started before its reader is known, so decompression starts while the header is read. */
export interface PayloadStream {
  /** Streams every entry to `onEntry`; resolves when the archive's trailer is read and the decompressor has ended well. */
  read(onEntry: OnEntry): Promise<void>;
  /** Stops the decompressor, when the payload will not be read after all. */
  cancel(): void;
}

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
  const skip = Buffer.allocUnsafe(Math.max(1, Math.min(offset, 1 << 20)));
  for (let left = offset; left > 0;) {
    const n = readSync(fd, skip, 0, Math.min(left, skip.length), null);
    if (n === 0) break;
    left -= n;
  }
  return fd;
}

/** `onEntry` with each regular file hashed on its way to it. */
function hashing(onEntry: OnEntry): (header: CpioHeader) => EntryReader {
  return (header) => {
    if (!isRegular(header.mode)) return onEntry(header, () => undefined);
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

export function startPayload(rpm: string, { digests = false } = {}): PayloadStream {
  const { command: [tool = 'rpm2cpio', ...args], offset } = payloadReader(rpm);
  const input = offset === undefined ? 'ignore' : openAt(rpm, offset);
  let child: ChildProcessByStdio<null, Readable, Readable>;
  try {
    child = spawn(tool, args, { stdio: [input, 'pipe', 'pipe'], detached: true }) as ChildProcessByStdio<null, Readable, Readable>;
  } finally {
    if (typeof input === 'number') closeSync(input);
  }
  adoptChild(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = `${stderr}${text}`.slice(-65536);
  });
  // Until it is read, the payload keeps nothing alive: a run that stops before reading it still ends.
  for (const handle of [child, child.stdout, child.stderr]) (handle as { unref?: () => void }).unref?.();
  let failed: Error | undefined;
  child.on('error', (error) => { failed = error; });
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };

  return {
    cancel: stop,
    read: (onEntry) => new Promise((resolve, reject) => {
      for (const handle of [child, child.stdout, child.stderr]) (handle as { ref?: () => void }).ref?.();
      const reader = new CpioReader(digests ? hashing(onEntry) : (header) => onEntry(header, () => undefined));
      let settled = false;
      const settle = (error?: BuildFailure): void => {
        if (settled) return;
        settled = true;
        if (error) {
          stop();
          child.stdout.destroy();
          reject(error);
        } else {
          resolve();
        }
      };
      const couldNotRun = (error: Error): void => settle(new BuildFailure(`${tool} could not run: ${error.message}`));
      if (failed) couldNotRun(failed);
      child.on('error', couldNotRun);
      child.stdout.on('data', (chunk: Buffer) => {
        if (settled) return;
        try {
          reader.push(chunk);
        } catch (error) {
          settle(error instanceof BuildFailure ? error : new BuildFailure(`the payload of ${rpm} cannot be read: ${(error as Error).message}`));
        }
      });
      child.on('close', (code) => {
        if (code !== 0 || !reader.finished) {
          settle(new BuildFailure(`${tool} could not read the payload of ${rpm}: it is damaged or holds entries its header does not list (${tool} exit status ${code}${lastLine(stderr) ? `: ${lastLine(stderr)}` : ''})`));
        } else {
          settle();
        }
      });
    }),
  };
}

/** Streams every payload entry to `onEntry` as it is decompressed; resolves when the archive's trailer is read. */
export function readPayload(rpm: string, onEntry: (header: CpioHeader) => EntryReader): Promise<void> {
  return startPayload(rpm).read(onEntry);
}
