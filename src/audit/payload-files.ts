/**
 * Each payload entry as it streams by, on its way to the auditor, with the digest the payload
 * stream gives it. An ELF file is parsed from the pieces it came in (past the memory limit,
 * from a copy on disk); a file the rules read whole (bytecode, the texts they parse) is
 * gathered; any other file is searched for build paths piece by piece and let go. So nothing
 * is copied but the files read whole, and nothing larger than the limit is held in memory.
 */
import { closeSync, openSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gathered, isRegular, type CpioEntry, type CpioHeader, type EntryReader } from './cpio.js';
import { fileSource, isElf, piecesSource, readElf, type ElfInfo } from './elf.js';
import type { StreamedFile } from './payload.js';
import { BuildPathScanner } from './payload-rules/build-paths.js';

/** Where the files go: whole to `whole`, the others' facts to `streamed`. */
export interface PayloadSink {
  readsWhole(name: string): boolean;
  whole(entry: CpioEntry & { sha256?: string }): void;
  streamed(file: StreamedFile): void;
}

export interface StreamLimits {
  /** Files up to this size may be held in memory. */
  limit: number;
  /** Where an ELF file past the limit is copied to be parsed. */
  spool: string;
  buildPaths: readonly string[];
}

const HEAD = 4096;
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
  let head: Buffer = Buffer.alloc(0);
  let received = 0;
  /** Pieces held: until the kind of file is known, then for ELF files and those read whole. */
  let pieces: Buffer[] = [];
  let kind: 'elf' | 'whole' | 'streamed' | undefined;
  let scanner: BuildPathScanner | undefined;
  let spooled: SpooledElf | undefined;
  let elfUnread = false;

  const decide = (): void => {
    if (isElf(head)) {
      kind = 'elf';
      if (header.size <= limits.limit) return;
      if (roomFor(limits.spool, header.size)) {
        spooled = new SpooledElf(limits.spool);
        for (const piece of pieces) spooled.write(piece);
      } else {
        elfUnread = true;
      }
      pieces = [];
    } else if (header.size <= limits.limit && sink.readsWhole(header.name)) {
      kind = 'whole';
    } else {
      kind = 'streamed';
      scanner = new BuildPathScanner(limits.buildPaths);
      for (const piece of pieces) scanner.push(piece);
      pieces = [];
    }
  };

  return {
    data(chunk) {
      received += chunk.length;
      if (head.length < HEAD) head = head.length === 0 ? chunk.subarray(0, HEAD) : Buffer.concat([head, chunk.subarray(0, HEAD - head.length)]);
      if (kind === undefined) {
        pieces.push(chunk);
        if (head.length >= ELF_HEADER) decide();
      } else if (scanner) {
        scanner.push(chunk);
      } else if (spooled) {
        spooled.write(chunk);
      } else if (!elfUnread) {
        pieces.push(chunk);
      }
    },
    end() {
      if (kind === undefined) decide();
      const digest = sha256();
      if (digest === undefined) throw new Error(`no digest came for ${header.name}`);
      if (kind === 'whole') {
        sink.whole({ name: header.name, mode: header.mode, data: pieces.length === 1 ? pieces[0] as Buffer : Buffer.concat(pieces), sha256: digest });
        return;
      }
      const elf = spooled ? spooled.read() : kind === 'elf' && !elfUnread ? readElf(piecesSource(pieces)) : undefined;
      if (kind === 'elf' && !elf && pieces.length > 0) {
        // ELF's magic number but not a file the ELF reader can parse: searched like any other.
        scanner = new BuildPathScanner(limits.buildPaths);
        for (const piece of pieces) scanner.push(piece);
      }
      sink.streamed({
        name: header.name, mode: header.mode, size: received, sha256: digest, head,
        ...(scanner?.found ? { buildPath: scanner.found } : {}), ...(elf ? { elf } : {}), ...(elfUnread ? { elfUnread } : {}),
      });
    },
  };
}
