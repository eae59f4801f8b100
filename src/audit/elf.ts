/**
 * What an ELF shared object or executable needs from the system: its architecture, its
 * DT_NEEDED libraries, its RPATH/RUNPATH, its soname, and the symbol versions it requires
 * (.gnu.version_r, read as auditwheel reads it). Pure: works on the file's bytes.
 */

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

/** Parses the sections that matter; undefined when the bytes are not a readable ELF file. */
export function readElf(bytes: Buffer): ElfInfo | undefined {
  if (!isElf(bytes)) return undefined;
  const is64 = bytes[4] === 2;
  const little = bytes[5] === 1;
  const u16 = (o: number): number => (little ? bytes.readUInt16LE(o) : bytes.readUInt16BE(o));
  const u32 = (o: number): number => (little ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const word = (o: number): number => (is64 ? Number(little ? bytes.readBigUInt64LE(o) : bytes.readBigUInt64BE(o)) : u32(o));
  const sword = (o: number): number => (is64 ? Number(little ? bytes.readBigInt64LE(o) : bytes.readBigInt64BE(o)) : u32(o));
  try {
    const machine = u16(18);
    const shoff = word(is64 ? 0x28 : 0x20);
    const shentsize = u16(is64 ? 0x3a : 0x2e);
    const shnum = u16(is64 ? 0x3c : 0x30);
    const info: ElfInfo = { machine, is64, needed: [], rpath: [], versionsNeeded: {} };
    if (shoff === 0 || shnum === 0 || shoff + shnum * shentsize > bytes.length) return info;

    const sections = Array.from({ length: shnum }, (_, i) => {
      const at = shoff + i * shentsize;
      return {
        type: u32(at + 4),
        offset: word(at + (is64 ? 0x18 : 0x10)),
        size: word(at + (is64 ? 0x20 : 0x14)),
        link: u32(at + (is64 ? 0x28 : 0x18)),
        info: u32(at + (is64 ? 0x2c : 0x1c)),
      };
    });
    const str = (sectionIndex: number, offset: number): string => {
      const s = sections[sectionIndex];
      if (!s) return '';
      const start = s.offset + offset;
      const end = bytes.indexOf(0, start);
      return bytes.toString('utf8', start, end < 0 ? s.offset + s.size : end);
    };

    const dynamic = sections.find((s) => s.type === SHT_DYNAMIC);
    if (dynamic) {
      const entSize = is64 ? 16 : 8;
      for (let at = dynamic.offset; at + entSize <= dynamic.offset + dynamic.size; at += entSize) {
        const tag = sword(at);
        if (tag === 0) break;
        const value = word(at + (is64 ? 8 : 4));
        if (tag === DT_NEEDED) info.needed.push(str(dynamic.link, value));
        else if (tag === DT_SONAME) info.soname = str(dynamic.link, value);
        else if (tag === DT_RPATH || tag === DT_RUNPATH) info.rpath.push(...str(dynamic.link, value).split(':').filter(Boolean));
      }
    }

    const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
    if (verneed) {
      // Elf_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
      // Elf_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
      let at = verneed.offset;
      for (let n = 0; n < Math.max(verneed.info, 1) && at < verneed.offset + verneed.size; n++) {
        const count = u16(at + 2);
        const file = str(verneed.link, u32(at + 4));
        const names: string[] = [];
        let aux = at + u32(at + 8);
        for (let k = 0; k < count; k++) {
          names.push(str(verneed.link, u32(aux + 8)));
          const nextAux = u32(aux + 12);
          if (nextAux === 0) break;
          aux += nextAux;
        }
        info.versionsNeeded[file] = [...(info.versionsNeeded[file] ?? []), ...names];
        const next = u32(at + 12);
        if (next === 0) break;
        at += next;
      }
    }
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
