/**
 * Payloads no rpmbuild would make, written here entry by entry in the newc cpio format —
 * names with "../" or a leading "/", a file written through a symlink, an entry twice — for
 * the readers that take a payload apart. (rpm2cpio itself refuses a payload whose entries
 * the header does not list, so such archives reach the tool only inside a forged header.)
 */
import { spawnSync } from 'node:child_process';
import { CpioReader, gathered, type CpioEntry } from '../../src/audit/cpio.js';

export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

const pad4 = (n: number): number => (4 - (n % 4)) % 4;
const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** A newc archive of the entries, each its own inode, with the trailer. */
export function newc(entries: ReadonlyArray<{ name: string; mode: number; data?: Buffer | string }>): Buffer {
  const parts: Buffer[] = [];
  const add = (name: string, mode: number, data: Buffer, ino: number): void => {
    const nameBytes = Buffer.from(`${name}\0`);
    const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0].map(hex).join('');
    const header = Buffer.from(`070701${fields}`, 'latin1');
    parts.push(header, nameBytes, Buffer.alloc(pad4(header.length + nameBytes.length)), data, Buffer.alloc(pad4(data.length)));
  };
  entries.forEach((e, i) => add(e.name, e.mode, Buffer.from(e.data ?? ''), i + 1));
  add('TRAILER!!!', 0, Buffer.alloc(0), 0);
  return Buffer.concat(parts);
}

/** The entries of an RPM's payload, read by rpm2cpio and the audit's own reader. */
export function payloadEntries(rpm: string): CpioEntry[] {
  const r = spawnSync('rpm2cpio', [rpm], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`rpm2cpio ${rpm}: ${r.stderr.toString()}`);
  const entries: CpioEntry[] = [];
  new CpioReader(gathered((e) => entries.push(e))).push(r.stdout);
  return entries;
}
