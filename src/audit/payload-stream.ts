/**
 * An RPM's payload, streamed into the cpio reader as it is decompressed, so nothing is
 * extracted to disk. It is decompressed by its compressor's own tool reading the RPM from
 * where the payload begins (rpm2cpio writes to a pipe eight KiB at a time, which costs more
 * than the decompression), drained by a worker thread (payload-thread.ts) that hashes every
 * file on its way: decompression, hashing and the audit run side by side.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { BuildFailure } from '../core/errors.js';
import { adoptGroup } from '../tools/lifecycle.js';
import { lastLine } from '../tools/process.js';
import { threadSource } from '../tools/threads.js';
import { which } from '../tools/system.js';
import { CpioReader, isRegular, type CpioHeader, type EntryReader } from './cpio.js';
import { decompressorFor, locatePayload } from './payload-location.js';
import type { ThreadData, ThreadMessage } from './payload-thread.js';

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

export function startPayload(rpm: string, { digests = false } = {}): PayloadStream {
  const data: ThreadData = { rpm, ...payloadReader(rpm), digests };
  const tool = data.command[0] ?? 'rpm2cpio';
  const worker = new Worker(threadSource('audit/payload-thread.ts'), { eval: true, workerData: data });
  // Until it is read, the payload keeps nothing alive: a run that stops before reading it still ends.
  worker.unref();
  const early: ThreadMessage[] = [];
  let handle: ((message: ThreadMessage) => void) | undefined;
  let crashed: Error | undefined;
  let onCrash: ((error: Error) => void) | undefined;
  let group: ReturnType<typeof adoptGroup> | undefined;
  worker.on('message', (message: ThreadMessage) => {
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
      // The digests of the regular files, in the order the archive gives them, as the worker sends them.
      const sums: string[] = [];
      let files = 0;
      const reader = new CpioReader((header) => {
        const index = isRegular(header.mode) ? files++ : -1;
        return onEntry(header, () => sums[index]);
      });
      let settled = false;
      const settle = (error?: BuildFailure): void => {
        if (settled) return;
        settled = true;
        if (error) {
          stop();
          reject(error);
        } else {
          group?.ended();
          void worker.terminate();
          resolve();
        }
      };
      onCrash = (error) => settle(new BuildFailure(`the payload of ${rpm} cannot be read: ${error.message}`));
      if (crashed) onCrash(crashed);
      handle = (message) => {
        if (settled) return;
        if ('pieces' in message) {
          sums.push(...message.digests);
          try {
            for (const piece of message.pieces) reader.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
          } catch (error) {
            settle(error instanceof BuildFailure ? error : new BuildFailure(`the payload of ${rpm} cannot be read: ${(error as Error).message}`));
            return;
          }
          worker.postMessage(0);
        } else if ('error' in message) {
          settle(new BuildFailure(`${tool} could not run: ${message.error}`));
        } else if ('code' in message) {
          if (message.code !== 0 || !reader.finished) {
            settle(new BuildFailure(`${tool} could not read the payload of ${rpm}: it is damaged or holds entries its header does not list (${tool} exit status ${message.code}${lastLine(message.stderr) ? `: ${lastLine(message.stderr)}` : ''})`));
          } else {
            settle();
          }
        }
      };
      for (const message of early.splice(0)) handle(message);
    }),
  };
}

/** Streams every payload entry to `onEntry` as it is decompressed; resolves when the archive's trailer is read. */
export function readPayload(rpm: string, onEntry: (header: CpioHeader) => EntryReader): Promise<void> {
  return startPayload(rpm).read(onEntry);
}
