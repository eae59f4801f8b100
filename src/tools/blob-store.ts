/**
 * Files kept between runs by their content: `<root>/sha256/<hex>`, with the file's original
 * name beside it in `<hex>.name`. Nothing read from here is trusted: a blob is hashed again
 * every time it is used, and a caller takes one only when the lock allows its digest.
 * Blobs are written once, by rename, so runs sharing the store never see half a file, and
 * a run copies what it uses into its own directory before checking it, so another run's
 * eviction or tampering cannot change a file under it.
 */
import { createHash } from 'node:crypto';
import { constants, copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const HEX = /^[0-9a-f]{64}$/;
/** A distribution file's name as an index serves it: no path, no shell or macro characters. */
export const DISTRIBUTION_FILE = /^[A-Za-z0-9][A-Za-z0-9._+!-]*\.(whl|tar\.gz|zip|tar\.bz2|tar\.xz|tgz)$/;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface PlacedBlob {
  digest: string;
  /** The file's name, as the index served it. */
  name: string;
  /** Where it now lies in the caller's directory, checked. */
  path: string;
}

export class BlobStore {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'sha256');
  }

  /** Whether a blob of this digest is present (unchecked: `place` checks). */
  has(digest: string): boolean {
    return HEX.test(digest) && existsSync(join(this.dir, digest));
  }

  /** The name recorded with a blob, when it is a plain distribution file name. */
  name(digest: string): string | undefined {
    if (!HEX.test(digest)) return undefined;
    try {
      const name = readFileSync(join(this.dir, `${digest}.name`), 'utf8').trim();
      return DISTRIBUTION_FILE.test(name) ? name : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Stores a file the caller has checked (its digest is allowed by the lock). Returns the
   * digest; a file whose content is already stored is not written again.
   */
  async add(file: string, digest?: string): Promise<string> {
    const hex = digest ?? (await sha256File(file));
    const name = basename(file);
    if (!HEX.test(hex) || !DISTRIBUTION_FILE.test(name)) throw new Error(`not a storable distribution file: ${name}`);
    mkdirSync(this.dir, { recursive: true });
    const target = join(this.dir, hex);
    const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
    copyFileSync(file, temp);
    writeFileSync(`${temp}.name`, `${name}\n`);
    renameSync(`${temp}.name`, `${target}.name`);
    renameSync(temp, target);
    return hex;
  }

  /**
   * Copies the blob into `dir` under its recorded name (a reflink where the file system has
   * them) and hashes the copy: undefined, and the blob dropped, when it is absent, unnamed or
   * not the digest it is stored as.
   */
  async place(digest: string, dir: string): Promise<PlacedBlob | undefined> {
    const name = this.name(digest);
    if (!name || !this.has(digest)) return undefined;
    mkdirSync(dir, { recursive: true });
    const path = join(dir, name);
    try {
      copyFileSync(join(this.dir, digest), path, constants.COPYFILE_FICLONE);
    } catch {
      return undefined; // removed by another run's eviction meanwhile
    }
    if ((await sha256File(path)) !== digest) {
      rmSync(path, { force: true });
      this.drop(digest);
      return undefined;
    }
    const now = new Date();
    try {
      utimesSync(join(this.dir, digest), now, now); // recently used: evicted last
    } catch {
      // evicted meanwhile: the copy is what counts
    }
    return { digest, name, path };
  }

  drop(digest: string): void {
    rmSync(join(this.dir, digest), { force: true });
    rmSync(join(this.dir, `${digest}.name`), { force: true });
  }

  /**
   * Keeps the store under `maxBytes` by removing the least recently used blobs, except the
   * ones in `keep` (this run's). Temporary files older than a day (a run that was killed)
   * go too.
   */
  evict(maxBytes: number, keep: ReadonlySet<string>): { removed: number; bytes: number } {
    if (!existsSync(this.dir)) return { removed: 0, bytes: 0 };
    const blobs: Array<{ digest: string; size: number; used: number }> = [];
    let total = 0;
    for (const entry of readdirSync(this.dir)) {
      const path = join(this.dir, entry);
      let stat;
      try {
        stat = statSync(path);
      } catch {
        continue;
      }
      if (entry.endsWith('.tmp') || entry.endsWith('.tmp.name')) {
        if (Date.now() - stat.mtimeMs > 86_400_000) rmSync(path, { force: true });
        continue;
      }
      if (!HEX.test(entry)) continue;
      total += stat.size;
      blobs.push({ digest: entry, size: stat.size, used: stat.mtimeMs });
    }
    let removed = 0;
    for (const blob of blobs.sort((a, b) => a.used - b.used)) {
      if (total <= maxBytes) break;
      if (keep.has(blob.digest)) continue;
      this.drop(blob.digest);
      total -= blob.size;
      removed++;
    }
    return { removed, bytes: total };
  }
}
