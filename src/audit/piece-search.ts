/**
 * A search of bytes that arrive in pieces: each piece is searched, and so is its seam with the
 * bytes before it, of which `overlap` are kept (all a match across the seam needs), so what
 * lies across two pieces is found too. The first result found stands. Pure.
 */
const EMPTY = Buffer.alloc(0);

export class PieceSearch<T> {
  private tail = EMPTY;
  protected result: T | undefined;

  constructor(private readonly overlap: number, private readonly find: (bytes: Buffer) => T | undefined) {}

  push(chunk: Buffer): void {
    if (this.result !== undefined || chunk.length === 0) return;
    if (this.tail.length > 0) this.result = this.find(Buffer.concat([this.tail, chunk.subarray(0, this.overlap)]));
    this.result ??= this.find(chunk);
    // A copy: the piece is read into again.
    const last = chunk.length >= this.overlap ? chunk : Buffer.concat([this.tail, chunk]);
    this.tail = Buffer.from(last.subarray(Math.max(0, last.length - this.overlap)));
  }
}
