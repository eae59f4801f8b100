/**
 * A streaming reader of the "newc" cpio archives rpm2cpio writes. Each entry's header comes
 * out as soon as it is read, and its data follows in the pieces it arrives in, so an entry of
 * any size passes through in bounded memory. A reader that needs no more of an entry's data
 * says so, and whoever feeds the archive may then skip it (see skippable). Pure: feed it
 * Buffers.
 */

export interface CpioHeader {
  /** The path as archived, without the leading "./". */
  name: string;
  mode: number;
  size: number;
  /** Where its data begins in the archive. */
  offset: number;
}

/** Where one entry's data goes: its pieces in order, then the end. */
export interface EntryReader {
  /**
   * A piece of the entry's data, valid only during the call (the buffer is read into again):
   * what is kept is copied. `false` says the rest of the data is not needed; more pieces may
   * still come (hard links share them, a digest may need them), to be ignored.
   */
  data(chunk: Buffer): void | false;
  end(): void;
}

const HEADER = 110;
const TRAILER = 'TRAILER!!!';
/** No path in a payload is this long; a larger name field is a malformed (or hostile) archive. */
const MAX_NAME = 16384;
const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFDIR = 0o040000;

export const isRegular = (mode: number): boolean => (mode & S_IFMT) === S_IFREG;
export const isSymlink = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;
export const isDirectory = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR;

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

/** The magic number of "newc" archives, but for its last digit: 1, or 2 with checksums. */
const NEWC = Buffer.from('07070', 'latin1');

/** Field `i` of a newc header: eight hexadecimal digits after the magic number; NaN if they are not. */
function hexField(header: Buffer, i: number): number {
  let value = 0;
  for (let at = 6 + i * 8; at < 14 + i * 8; at++) {
    const c = header[at] as number;
    const lower = c | 0x20;
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
    if (digit < 0) return Number.NaN;
    value = value * 16 + digit;
  }
  return value;
}

/** Sends every piece to several readers: the hard links of one file share its data, needed while one of them needs it. */
function fanOut(readers: EntryReader[]): EntryReader {
  return {
    data: (chunk) => {
      let needed = false;
      for (const r of readers) if (r.data(chunk) !== false) needed = true;
      return needed ? undefined : false;
    },
    end: () => { for (const r of readers) r.end(); },
  };
}

export class CpioReader {
  /** Unread bytes of the header or name being read; data is never gathered here. */
  private chunks: Buffer[] = [];
  private available = 0;
  private done = false;
  private header: { ino: number; mode: number; nlink: number; nameSize: number; size: number } | undefined;
  /** The entry whose data is streaming: its reader, whether it still needs the data, and the data and padding bytes still due. */
  private current: { reader: EntryReader | undefined; needed: boolean; remaining: number; padding: number } | undefined;
  /** How many bytes of the archive were read or skipped. */
  private consumed = 0;
  /**
   * Hard links whose data has not come yet: newc stores a link set's data once, with its
   * last link, so the earlier ones wait for it (by inode).
   */
  private links = new Map<number, Array<{ name: string; mode: number }>>();

  constructor(private readonly onEntry: (header: CpioHeader) => EntryReader) {}

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0 || !first) return Buffer.alloc(0);
    this.consumed += n;
    if (first.length >= n) {
      // The common case: no copy, a view of the piece that holds it all.
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.available -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0] as Buffer;
      const used = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, used);
      filled += used;
      if (used === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(used);
    }
    this.available -= n;
    return out;
  }

  /** Passes on as much of the current entry's data (then padding) as `chunk` holds; returns the rest. */
  private stream(chunk: Buffer): Buffer {
    const current = this.current;
    if (!current) return chunk;
    const data = Math.min(current.remaining, chunk.length);
    if (data > 0) {
      if (current.needed && current.reader?.data(chunk.subarray(0, data)) === false) current.needed = false;
      current.remaining -= data;
    }
    let rest = chunk.subarray(data);
    const pad = current.remaining === 0 ? Math.min(current.padding, rest.length) : 0;
    current.padding -= pad;
    rest = rest.subarray(pad);
    this.consumed += data + pad;
    this.endEntry();
    return rest;
  }

  private endEntry(): void {
    const current = this.current;
    if (current?.remaining !== 0 || current.padding !== 0) return;
    this.current = undefined;
    current.reader?.end();
  }

  /**
   * The data bytes of the current entry still due, when its reader needs no more of them:
   * the feeder may skip that many bytes of the archive instead of reading them (skip).
   */
  get skippable(): number {
    return this.current && !this.current.needed ? this.current.remaining : 0;
  }

  /** Passes over `n` bytes of the current entry's data (at most skippable) unread. */
  skip(n: number): void {
    const current = this.current;
    if (!current || current.needed || n > current.remaining) throw new Error(`cannot skip ${n} bytes of the archive here`);
    current.remaining -= n;
    this.consumed += n;
    this.endEntry();
  }

  /** Adds bytes; reports every entry they begin and the data they carry. Throws on a malformed archive. */
  push(input: Buffer): void {
    this.read(input);
    // The few bytes of a header still unread are copied: no piece is kept alive for a few bytes of it.
    if (this.chunks.length > 0) this.chunks = [Buffer.concat(this.chunks)];
  }

  private read(input: Buffer): void {
    if (this.done || input.length === 0) return;
    let chunk = this.stream(input);
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.available += chunk.length;
    }
    while (!this.done && !this.current) {
      if (!this.header) {
        if (this.available < HEADER) return;
        const header = this.take(HEADER);
        if (header.compare(NEWC, 0, NEWC.length, 0, NEWC.length) !== 0 || (header[5] !== 0x31 && header[5] !== 0x32)) {
          throw new Error(`not a newc cpio archive (magic "${header.toString('latin1', 0, 6).replace(/[^\x20-\x7e]/g, '?')}")`);
        }
        const parsed = { ino: hexField(header, 0), mode: hexField(header, 1), nlink: hexField(header, 4), size: hexField(header, 6), nameSize: hexField(header, 11) };
        if (![parsed.ino, parsed.mode, parsed.nlink, parsed.size, parsed.nameSize].every(Number.isFinite)) throw new Error('a cpio header field is not hexadecimal');
        if (parsed.nameSize < 1 || parsed.nameSize > MAX_NAME) throw new Error(`a cpio entry's name is ${parsed.nameSize} bytes long`);
        this.header = parsed;
      }
      const { ino, mode, nlink, size, nameSize } = this.header;
      const nameBlock = nameSize + pad4(HEADER + nameSize);
      if (this.available < nameBlock) return;
      const archived = this.take(nameBlock).toString('utf8', 0, nameSize - 1);
      const name = archived.startsWith('./') ? archived.slice(2) : archived;
      const offset = this.consumed;
      this.header = undefined;
      if (name === TRAILER) {
        this.done = true;
        this.chunks = [];
        // Links whose data never came are empty files.
        for (const waiting of this.links.values()) {
          for (const link of waiting) this.onEntry({ ...link, size: 0, offset: this.consumed }).end();
        }
        this.links.clear();
        return;
      }
      let reader: EntryReader | undefined;
      if (nlink > 1 && isRegular(mode) && size === 0) {
        this.links.set(ino, [...(this.links.get(ino) ?? []), { name, mode }]);
      } else if (nlink > 1 && isRegular(mode)) {
        const earlier = (this.links.get(ino) ?? []).map((link) => this.onEntry({ ...link, size, offset }));
        this.links.delete(ino);
        reader = fanOut([...earlier, this.onEntry({ name, mode, size, offset })]);
      } else {
        reader = this.onEntry({ name, mode, size, offset });
      }
      this.current = { reader, needed: reader !== undefined, remaining: size, padding: pad4(size) };
      // What is buffered already belongs to this entry's data first.
      const buffered = this.chunks.length === 1 ? this.chunks[0] as Buffer : Buffer.concat(this.chunks);
      this.chunks = [];
      this.available = 0;
      chunk = this.stream(buffered);
      if (chunk.length > 0) {
        this.chunks.push(chunk);
        this.available = chunk.length;
      }
    }
  }

  /** True once the trailer was read. */
  get finished(): boolean {
    return this.done;
  }
}

/** An entry with its whole content in memory. */
export interface CpioEntry {
  name: string;
  mode: number;
  /** Contents of a regular file; the target of a symlink as bytes. */
  data: Buffer;
}

/** Gathers each entry whole and hands it to `whole`. */
export function gathered(whole: (entry: CpioEntry) => void): (header: CpioHeader) => EntryReader {
  return (header) => {
    const pieces: Buffer[] = [];
    return {
      data: (chunk) => { pieces.push(Buffer.from(chunk)); },
      end: () => whole({ name: header.name, mode: header.mode, data: pieces.length === 1 ? pieces[0] as Buffer : Buffer.concat(pieces) }),
    };
  };
}
