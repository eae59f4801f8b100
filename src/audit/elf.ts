/**
 * What an ELF shared object or executable needs from the system: its architecture, its
 * DT_NEEDED libraries, its RPATH/RUNPATH, its soname, and the symbol versions it requires
 * (.gnu.version_r, read as auditwheel reads it). Works on the bytes of a Buffer, or on a file
 * through a few pages at a time.
 */
import { readSync } from 'node:fs';

export interface ElfInfo {
  /** e_machine: 62 x86-64, 183 AArch64, 3 i386, 40 ARM … */
  machine: number;
  is64: boolean;
  soname?: string;
  needed: string[];
  rpath: string[];
  /** Symbol versions required, by library: { "libc.so.6": ["GLIBC_2.2.5", "GLIBC_2.34"] }. */
  versionsNeeded: Record<string, string[]>;
}

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

export const isElf = (data: Uint8Array): boolean =>
  data.length >= 64 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;

const SHT_DYNAMIC = 6;
const SHT_GNU_VERNEED = 0x6ffffffe;
const DT_NEEDED = 1;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

/** Random access to a file's bytes: a Buffer in memory, or a large file read page by page. */
export interface ByteSource {
  readonly length: number;
  /** `length` bytes at `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Buffer;
}

export const bufferSource = (bytes: Buffer): ByteSource => ({
  length: bytes.length,
  read: (offset, length) => bytes.subarray(offset, offset + length),
});

const PAGE = 16384;
const PAGES_KEPT = 64;

/**
 * `size` bytes of a file from `base` on, read a page at a time with a few pages kept: the
 * structures the reader fetches are small and close together, and a large file costs at most
 * a MiB of memory.
 */
export function fileSource(fd: number, size: number, base = 0): ByteSource {
  const pages = new Map<number, Buffer>();
  const page = (n: number): Buffer => {
    let p = pages.get(n);
    if (!p) {
      p = Buffer.allocUnsafe(Math.min(PAGE, Math.max(0, size - n * PAGE)));
      p = p.subarray(0, readSync(fd, p, 0, p.length, base + n * PAGE));
      if (pages.size >= PAGES_KEPT) pages.delete(pages.keys().next().value as number);
      pages.set(n, p);
    }
    return p;
  };
  return {
    length: size,
    read(offset, length) {
      const end = Math.min(size, offset + length);
      if (offset >= end) return Buffer.alloc(0);
      const first = Math.floor(offset / PAGE);
      const last = Math.floor((end - 1) / PAGE);
      if (first === last) return page(first).subarray(offset - first * PAGE, end - first * PAGE);
      const parts: Buffer[] = [];
      for (let n = first; n <= last; n++) parts.push(page(n));
      return Buffer.concat(parts).subarray(offset - first * PAGE, end - first * PAGE);
    },
  };
}

/** Longest string read from a string table: names of libraries and symbol versions are short. */
const MAX_NAME = 4096;
const SHORT_NAME = 128;

/** A section header: what the reader needs of it. */
interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

/**
 * Integers of the file's class and byte order, read from the bytes of one structure fetched
 * at a time (a section header, a dynamic entry, a version need), and strings of its string
 * tables; a read past the end of the file throws.
 */
class ElfReader {
  sections: Section[] = [];

  constructor(private readonly source: ByteSource, readonly is64: boolean, private readonly little: boolean) {}

  /** `n` bytes at `o`, all of them. */
  bytes(o: number, n: number): Buffer {
    const b = this.source.read(o, n);
    if (b.length < n) throw new RangeError('past the end of the file');
    return b;
  }

  u16(b: Buffer, o: number): number {
    return this.little ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }

  u32(b: Buffer, o: number): number {
    return this.little ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  /** An address or offset: 64 bits in ELF64 (exact up to 2^53, beyond any file this reads). */
  word(b: Buffer, o: number): number {
    if (!this.is64) return this.u32(b, o);
    const [low, high] = this.little ? [b.readUInt32LE(o), b.readUInt32LE(o + 4)] : [b.readUInt32BE(o + 4), b.readUInt32BE(o)];
    return high * 0x1_0000_0000 + low;
  }

  /** A signed tag of the dynamic section: only its small values matter, so its high half is read as signed. */
  sword(b: Buffer, o: number): number {
    if (!this.is64) return this.little ? b.readInt32LE(o) : b.readInt32BE(o);
    const [low, high] = this.little ? [b.readUInt32LE(o), b.readInt32LE(o + 4)] : [b.readUInt32BE(o + 4), b.readInt32BE(o)];
    return high * 0x1_0000_0000 + low;
  }

  /** The NUL-terminated string at `offset` of the string table in section `sectionIndex`. */
  str(sectionIndex: number, offset: number): string {
    const s = this.sections[sectionIndex];
    if (!s) return '';
    const start = s.offset + offset;
    const left = Math.max(0, s.offset + s.size - start);
    // Names are short: a longer read only when the first holds no end.
    let chunk = this.source.read(start, Math.min(SHORT_NAME, left));
    let end = chunk.indexOf(0);
    if (end < 0 && left > chunk.length) {
      chunk = this.source.read(start, Math.min(MAX_NAME, left));
      end = chunk.indexOf(0);
    }
    return chunk.toString('utf8', 0, end < 0 ? chunk.length : end);
  }

  readSections(shoff: number, shnum: number, shentsize: number): void {
    const { is64 } = this;
    this.sections = Array.from({ length: shnum }, (_, i) => {
      // Up to sh_info, the last field read: whatever sh_entsize the file claims.
      const header = this.bytes(shoff + i * shentsize, is64 ? 0x30 : 0x20);
      return {
        type: this.u32(header, 4),
        offset: this.word(header, is64 ? 0x18 : 0x10),
        size: this.word(header, is64 ? 0x20 : 0x14),
        link: this.u32(header, is64 ? 0x28 : 0x18),
        info: this.u32(header, is64 ? 0x2c : 0x1c),
      };
    });
  }
}

/** DT_NEEDED, DT_SONAME and DT_RPATH/DT_RUNPATH from the dynamic section. */
function readDynamic(r: ElfReader, dynamic: Section, info: ElfInfo): void {
  const entSize = r.is64 ? 16 : 8;
  for (let at = dynamic.offset; at + entSize <= dynamic.offset + dynamic.size; at += entSize) {
    const entry = r.bytes(at, entSize);
    const tag = r.sword(entry, 0);
    if (tag === 0) break;
    const value = r.word(entry, r.is64 ? 8 : 4);
    if (tag === DT_NEEDED) info.needed.push(r.str(dynamic.link, value));
    else if (tag === DT_SONAME) info.soname = r.str(dynamic.link, value);
    else if (tag === DT_RPATH || tag === DT_RUNPATH) info.rpath.push(...r.str(dynamic.link, value).split(':').filter(Boolean));
  }
}

/** The symbol versions needed of each library, from .gnu.version_r. */
function readVersionsNeeded(r: ElfReader, verneed: Section, info: ElfInfo): void {
  // Elf_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
  // Elf_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
  let at = verneed.offset;
  for (let n = 0; n < Math.max(verneed.info, 1) && at < verneed.offset + verneed.size; n++) {
    const need = r.bytes(at, 16);
    const count = r.u16(need, 2);
    const file = r.str(verneed.link, r.u32(need, 4));
    const names: string[] = [];
    let aux = at + r.u32(need, 8);
    for (let k = 0; k < count; k++) {
      const entry = r.bytes(aux, 16);
      names.push(r.str(verneed.link, r.u32(entry, 8)));
      const nextAux = r.u32(entry, 12);
      if (nextAux === 0) break;
      aux += nextAux;
    }
    info.versionsNeeded[file] = [...(info.versionsNeeded[file] ?? []), ...names];
    const next = r.u32(need, 12);
    if (next === 0) break;
    at += next;
  }
}

export function readElf(input: Buffer | ByteSource): ElfInfo | undefined {
  const source = Buffer.isBuffer(input) ? bufferSource(input) : input;
  const head = source.read(0, 64);
  if (!isElf(head) || source.length < 64) return undefined;
  const is64 = head[4] === 2;
  const r = new ElfReader(source, is64, head[5] === 1);
  try {
    const shoff = r.word(head, is64 ? 0x28 : 0x20);
    const shentsize = r.u16(head, is64 ? 0x3a : 0x2e);
    const shnum = r.u16(head, is64 ? 0x3c : 0x30);
    const info: ElfInfo = { machine: r.u16(head, 18), is64, needed: [], rpath: [], versionsNeeded: {} };
    if (shoff === 0 || shnum === 0 || shoff + shnum * shentsize > source.length) return info;
    r.readSections(shoff, shnum, shentsize);
    const dynamic = r.sections.find((s) => s.type === SHT_DYNAMIC);
    if (dynamic) readDynamic(r, dynamic, info);
    const verneed = r.sections.find((s) => s.type === SHT_GNU_VERNEED);
    if (verneed) readVersionsNeeded(r, verneed, info);
    return info;
  } catch {
    return undefined; // truncated or corrupt: not an ELF file the audit can judge
  }
}

/** The newest GLIBC_x.y an ELF file requires, as [x, y]; undefined when it needs none. */
export function newestGlibc(info: ElfInfo): [number, number] | undefined {
  let best: [number, number] | undefined;
  for (const names of Object.values(info.versionsNeeded)) {
    for (const name of names) {
      const m = /^GLIBC_(\d+)\.(\d+)/.exec(name);
      if (!m) continue;
      const v: [number, number] = [Number(m[1]), Number(m[2])];
      if (!best || v[0] > best[0] || (v[0] === best[0] && v[1] > best[1])) best = v;
    }
  }
  return best;
}
