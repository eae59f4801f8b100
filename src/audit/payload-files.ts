/**
 * Each payload entry as it streams by, on its way to the auditor, with the digest the payload
 * stream gives it. An ELF file is gathered to be parsed (past the memory limit, copied to disk
 * and parsed from there); a file the rules read whole (bytecode, the texts they parse) is
 * gathered; any other file is searched for build paths piece by piece and let go. The pieces
 * are views of a buffer read into again, so what is kept is copied, into buffers that are
 * themselves used again from one file to the next.
 */
import { closeSync, openSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gathered, isRegular, type CpioEntry, type CpioHeader, type EntryReader } from './cpio.js';
import { fileSource, isElf, readElf, type ElfInfo } from './elf.js';
import type { StreamedFile } from './payload.js';
import { BuildPathScanner } from './payload-rules/build-paths.js';
import { SCRIPT_HEAD } from './payload-rules/scripts.js';

/** Where the files go: whole to `whole`, the others' facts to `streamed`. */
export interface PayloadSink {
  readsWhole(name: string): boolean;
  whole(entry: CpioEntry & { sha256?: string }): void;
  streamed(file: StreamedFile): void;
}

export interface StreamLimits {
  /** Files up to this size may be held in memory. */
  limit: number;
  /** Where files are gathered: one buffer, grown to the largest file held and used again. */
  gather: Gatherers;
  /** Where an ELF file past the limit is copied to be parsed. */
  spool: string;
  buildPaths: readonly string[];
}

/** The first bytes kept of every file: all the rules read of a streamed file (a script's interpreter lines, bytecode's header). */
const HEAD = SCRIPT_HEAD;

/** A buffer one file is gathered in, grown as it needs and kept for the next file. */
class Gatherer {
  private bytes = Buffer.alloc(0);
  length = 0;

  append(chunk: Buffer): void {
    if (this.length + chunk.length > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.length + chunk.length, this.bytes.length * 2, 65536));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    chunk.copy(this.bytes, this.length);
    this.length += chunk.length;
  }

  /** What was gathered: valid until the gatherer is given back. */
  get data(): Buffer {
    return this.bytes.subarray(0, this.length);
  }
}

/**
 * The gatherers of a payload: one, unless the hard links of a file read it side by side. A
 * gatherer given back keeps its memory, so a payload costs its largest file held once.
 */
export class Gatherers {
  private readonly free: Gatherer[] = [];

  take(): Gatherer {
    const gatherer = this.free.pop() ?? new Gatherer();
    gatherer.length = 0;
    return gatherer;
  }

  give(gatherer: Gatherer): void {
    this.free.push(gatherer);
  }
}
/** Bytes enough to tell an ELF file by its header. */
const ELF_HEADER = 64;

/** Whether the scratch file system can take a copy of this many bytes, with room to spare. */
function roomFor(dir: string, bytes: number): boolean {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize > bytes + 256 * 1024 * 1024;
}

/** An ELF file past the memory limit, copied to the spool and parsed from there a few pages at a time. */
class SpooledElf {
  private readonly path: string;
  private readonly fd: number;

  constructor(spool: string) {
    this.path = join(spool, 'large.elf');
    this.fd = openSync(this.path, 'w');
  }

  write(chunk: Buffer): void {
    writeSync(this.fd, chunk);
  }

  read(): ElfInfo | undefined {
    closeSync(this.fd);
    const fd = openSync(this.path, 'r');
    try {
      return readElf(fileSource(fd, statSync(this.path).size));
    } finally {
      closeSync(fd);
      rmSync(this.path, { force: true });
    }
  }
}

export function entryReader(header: CpioHeader, sha256: () => string | undefined, sink: PayloadSink, limits: StreamLimits): EntryReader {
  // A symlink's target, an empty directory: small, and read whole.
  if (!isRegular(header.mode)) return gathered((entry) => sink.whole(entry))(header);
  let head = Buffer.alloc(0);
  let received = 0;
  /** The bytes held: until the kind of file is known, then for ELF files and those read whole. */
  let held: Gatherer | undefined = limits.gather.take();
  let kind: 'elf' | 'whole' | 'streamed' | undefined;
  let scanner: BuildPathScanner | undefined;
  let spooled: SpooledElf | undefined;
  let elfUnread = false;

  const letGo = (): Buffer => {
    const data = held?.data ?? Buffer.alloc(0);
    if (held) limits.gather.give(held);
    held = undefined;
    return data;
  };
  const scan = (data: Buffer): void => {
    scanner = new BuildPathScanner(limits.buildPaths);
    scanner.push(data);
  };

  const decide = (): void => {
    if (isElf(head)) {
      kind = 'elf';
      if (header.size <= limits.limit) return;
      const data = letGo();
      if (roomFor(limits.spool, header.size)) {
        spooled = new SpooledElf(limits.spool);
        spooled.write(data);
      } else {
        elfUnread = true;
      }
    } else if (header.size <= limits.limit && sink.readsWhole(header.name)) {
      kind = 'whole';
    } else {
      kind = 'streamed';
      scan(letGo());
    }
  };

  return {
    data(chunk) {
      received += chunk.length;
      if (head.length < HEAD) head = Buffer.concat([head, chunk.subarray(0, HEAD - head.length)]);
      if (held) held.append(chunk);
      else if (scanner) scanner.push(chunk);
      else if (spooled) spooled.write(chunk);
      if (kind === undefined && head.length >= ELF_HEADER) decide();
    },
    end() {
      if (kind === undefined) decide();
      const digest = sha256();
      if (kind === 'whole') {
        sink.whole({ name: header.name, mode: header.mode, data: held?.data ?? Buffer.alloc(0), ...(digest ? { sha256: digest } : {}) });
        letGo();
        return;
      }
      const elf = spooled ? spooled.read() : kind === 'elf' && held ? readElf(held.data) : undefined;
      // ELF's magic number but not a file the ELF reader can parse: searched like any other.
      if (kind === 'elf' && !elf && held) scan(held.data);
      letGo();
      sink.streamed({
        name: header.name, mode: header.mode, size: received, ...(digest ? { sha256: digest } : {}), head,
        ...(scanner?.found ? { buildPath: scanner.found } : {}), ...(elf ? { elf } : {}), ...(elfUnread ? { elfUnread } : {}),
      });
    },
  };
}
