/**
 * Each payload entry as it streams by, on its way to the auditor, with the digest the payload
 * stream gives it. An ELF file is parsed where the archive keeps it, its few structures read
 * in place, and the rest of its bytes skipped; a text the rules parse is gathered; bytecode is
 * searched for its source path until found, and the rest skipped; so is a wheel's file, as
 * installed, once its first bytes are read; any other file is searched for build paths piece
 * by piece and let go. The pieces are views of a buffer read into again, so what is kept is
 * copied, into buffers that are themselves used again from one file to the next.
 */
import { gathered, isRegular, type CpioEntry, type CpioHeader, type EntryReader } from './cpio.js';
import { isElf, readElf, type ByteSource } from './elf.js';
import { StringFinder } from './pyc.js';
import type { StreamedFile } from './payload.js';
import type { PayloadEntry } from './payload-stream.js';
import { BuildPathScanner } from './payload-rules/build-paths.js';
import { SCRIPT_HEAD } from './payload-rules/scripts.js';

/** Where the files go: whole to `whole`, the others' facts to `streamed`. */
export interface PayloadSink {
  readsWhole(name: string): boolean;
  /** For bytecode, the source path its co_filename must name, '' when none: see PayloadAuditor.compiledFrom. */
  compiledFrom(name: string): string | undefined;
  /** Whether a file with this digest is a wheel's, as installed, not searched for build paths: see PayloadAuditor.isVerbatim. */
  isVerbatim(name: string, sha256: string | undefined): boolean;
  whole(entry: CpioEntry & { sha256?: string }): void;
  streamed(file: StreamedFile): void;
}

export interface StreamLimits {
  /** Files up to this size may be held in memory. */
  limit: number;
  /** Where files are gathered: one buffer, grown to the largest file held and used again. */
  gather: Gatherers;
  buildPaths: readonly string[];
}

/** The first bytes kept of every file: all the rules read of a streamed file (a script's interpreter lines, bytecode's header). */
const HEAD = SCRIPT_HEAD;
const EMPTY = Buffer.alloc(0);

/** A buffer one file is gathered in, grown as it needs and kept for the next file. */
class Gatherer {
  private bytes = EMPTY;
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
/** How much of an ELF file the reader cannot parse is searched at a time. */
const PIECE = 16384;

/** The first build path in bytes read in place (an ELF file the ELF reader cannot parse). */
function buildPathInSource(source: ByteSource, buildPaths: readonly string[]): string | undefined {
  const scanner = new BuildPathScanner(buildPaths);
  for (let at = 0; at < source.length && !scanner.found; at += PIECE) scanner.push(source.read(at, PIECE));
  return scanner.found;
}

export function entryReader(header: CpioHeader, entry: PayloadEntry, sink: PayloadSink, limits: StreamLimits): EntryReader {
  // A symlink's target, an empty directory: small, and read whole.
  if (!isRegular(header.mode)) return gathered((whole) => sink.whole(whole))(header);
  let head = EMPTY;
  /** The bytes held: until the kind of file is known, then for those read whole. */
  let held: Gatherer | undefined = limits.gather.take();
  let kind: 'elf' | 'whole' | 'bytecode' | 'verbatim' | 'streamed' | undefined;
  let scanner: BuildPathScanner | undefined;
  /** Bytecode's source path, searched for as it streams by: once found, the rest is not needed. */
  let finder: StringFinder | undefined;

  const letGo = (): Buffer => {
    const data = held?.data ?? EMPTY;
    if (held) limits.gather.give(held);
    held = undefined;
    return data;
  };

  const decide = (): typeof kind => {
    const source = sink.compiledFrom(header.name);
    if (isElf(head)) {
      kind = 'elf';
      letGo();
    } else if (header.size <= limits.limit && sink.readsWhole(header.name)) {
      kind = 'whole';
    } else if (source !== undefined) {
      kind = 'bytecode';
      const seen = letGo();
      if (source) {
        finder = new StringFinder(source);
        finder.push(seen);
      }
    } else if (sink.isVerbatim(header.name, entry.sha256())) {
      kind = 'verbatim';
      letGo();
    } else {
      kind = 'streamed';
      scanner = new BuildPathScanner(limits.buildPaths);
      scanner.push(letGo());
    }
    return kind;
  };

  return {
    data(chunk) {
      // The rest of an ELF file is read in place, when it has all been written (end).
      if (kind === 'elf') return false;
      if (head.length < HEAD) head = Buffer.concat([head, chunk.subarray(0, HEAD - head.length)]);
      if (kind === undefined && head.length >= ELF_HEADER && decide() === 'elf') return false;
      if (held) held.append(chunk);
      else if (scanner) scanner.push(chunk);
      else finder?.push(chunk);
      // Bytecode whose source path was found, a wheel's file as installed: their first bytes are all the rules still read.
      const enough = kind === 'verbatim' || (kind === 'bytecode' && !(finder && !finder.found));
      return enough && head.length >= HEAD ? false : undefined;
    },
    end() {
      if (kind === undefined) decide();
      const digest = entry.sha256();
      if (kind === 'whole') {
        sink.whole({ name: header.name, mode: header.mode, data: held?.data ?? EMPTY, ...(digest ? { sha256: digest } : {}) });
        letGo();
        return;
      }
      if (kind === 'bytecode' && finder && !finder.found && header.size <= limits.limit) {
        // Its co_filename is not its source: read whole, for the rule to say what it names instead.
        sink.whole({ name: header.name, mode: header.mode, data: entry.bytes().read(0, header.size), ...(digest ? { sha256: digest } : {}) });
        return;
      }
      const elf = kind === 'elf' ? readElf(entry.bytes()) : undefined;
      // ELF's magic number but not a file the ELF reader can parse: searched like any other.
      const buildPath = kind === 'elf' ? (elf ? undefined : buildPathInSource(entry.bytes(), limits.buildPaths)) : scanner?.found;
      letGo();
      sink.streamed({
        name: header.name, mode: header.mode, size: header.size, ...(digest ? { sha256: digest } : {}), head,
        ...(buildPath ? { buildPath } : {}), ...(elf ? { elf } : {}),
      });
    },
  };
}
