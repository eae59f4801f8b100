/**
 * A streaming reader of the "newc" cpio archives rpm2cpio writes: entries come out one by
 * one as bytes arrive, so an RPM of tens of thousands of files is read without extracting
 * anything to disk. Pure: feed it Buffers.
 */

export interface CpioEntry {
  /** The path as archived, without the leading "./". */
  name: string;
  mode: number;
  /** Contents of a regular file; the target of a symlink as bytes. */
  data: Buffer;
}

const HEADER = 110;
const TRAILER = 'TRAILER!!!';
const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFDIR = 0o040000;

export const isRegular = (mode: number): boolean => (mode & S_IFMT) === S_IFREG;
export const isSymlink = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;
export const isDirectory = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR;

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

export class CpioReader {
  /** Unread bytes, as received: joined only as far as the entry being read needs. */
  private chunks: Buffer[] = [];
  private available = 0;
  private done = false;
  /** The header of the entry whose name and data are awaited. */
  private pending: { ino: number; mode: number; nlink: number; nameSize: number; size: number } | undefined;
  /**
   * Hard links whose data has not come yet: newc stores a link set's data once, with its
   * last link, so the earlier ones wait for it (by inode).
   */
  private links = new Map<number, Array<{ name: string; mode: number }>>();

  constructor(private readonly onEntry: (entry: CpioEntry) => void) {}

  private take(n: number): Buffer {
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

  /** Adds bytes; calls onEntry for every entry they complete. Throws on a malformed archive. */
  push(chunk: Buffer): void {
    if (this.done || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.available += chunk.length;
    for (;;) {
      if (!this.pending) {
        if (this.available < HEADER) return;
        const header = this.take(HEADER);
        const magic = header.toString('latin1', 0, 6);
        if (magic !== '070701' && magic !== '070702') throw new Error(`not a newc cpio archive (magic "${magic}")`);
        const field = (i: number): number => Number.parseInt(header.toString('latin1', 6 + i * 8, 14 + i * 8), 16);
        this.pending = { ino: field(0), mode: field(1), nlink: field(4), size: field(6), nameSize: field(11) };
      }
      const { ino, mode, nlink, size, nameSize } = this.pending;
      const nameBlock = nameSize + pad4(HEADER + nameSize);
      const need = nameBlock + size + pad4(size);
      if (this.available < need) return;
      const name = this.take(nameBlock).toString('utf8', 0, nameSize - 1);
      const data = this.take(size);
      this.take(pad4(size));
      this.pending = undefined;
      if (name === TRAILER) {
        this.done = true;
        this.chunks = [];
        // Links whose data never came are empty files.
        for (const waiting of this.links.values()) for (const link of waiting) this.onEntry({ ...link, data: Buffer.alloc(0) });
        this.links.clear();
        return;
      }
      const entry = { name: name.replace(/^\.\//, ''), mode, data };
      if (nlink > 1 && isRegular(mode)) {
        if (size === 0) {
          this.links.set(ino, [...(this.links.get(ino) ?? []), { name: entry.name, mode }]);
          continue;
        }
        for (const link of this.links.get(ino) ?? []) this.onEntry({ ...link, data });
        this.links.delete(ino);
      }
      this.onEntry(entry);
    }
  }

  /** True once the trailer was read. */
  get finished(): boolean {
    return this.done;
  }
}
