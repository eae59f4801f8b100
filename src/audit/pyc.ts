/**
 * Bytecode files: which interpreter a .pyc is for, read from its magic number (the rule of
 * Fedora's parallel runtimes: every .pyc carries its interpreter's magic). Pure.
 */
import { PieceSearch } from './piece-search.js';

/** The magic number of each minor version's final release, and the range its pre-releases used. */
const MAGIC: ReadonlyArray<{ version: string; final: number; from: number }> = [
  { version: '3.8', final: 3413, from: 3400 },
  { version: '3.9', final: 3425, from: 3420 },
  { version: '3.10', final: 3439, from: 3430 },
  { version: '3.11', final: 3495, from: 3450 },
  { version: '3.12', final: 3531, from: 3500 },
  { version: '3.13', final: 3571, from: 3550 },
  { version: '3.14', final: 3627, from: 3600 },
];

export function magicOf(version: string): number | undefined {
  return MAGIC.find((m) => m.version === version)?.final;
}

export interface PycHeader {
  magic: number;
  /** The minor version whose magic range holds this number, if any. */
  version?: string;
  /** Final-release magic of that version (a pre-release's bytecode is not the release's). */
  isFinal: boolean;
  /** PEP 552: hash-based (checked or unchecked) rather than timestamped. */
  hashBased: boolean;
}

/** Reads the 16-byte header; undefined when the bytes are not a .pyc. */
export function readPycHeader(data: Uint8Array): PycHeader | undefined {
  if (data.length < 16 || data[2] !== 0x0d || data[3] !== 0x0a) return undefined;
  const magic = (data[0] ?? 0) | ((data[1] ?? 0) << 8);
  const flags = (data[4] ?? 0) | ((data[5] ?? 0) << 8);
  const entry = MAGIC.find((m) => magic >= m.from && magic <= m.final);
  return { magic, ...(entry ? { version: entry.version } : {}), isFinal: entry?.final === magic, hashBased: (flags & 1) === 1 };
}

/** The interpreter tag in a __pycache__ file name: "cpython-311" of "mod.cpython-311.pyc". */
export function pycTag(fileName: string): string | undefined {
  return /\.(cpython-\d+)(?:\.opt-\d)?\.pyc$/.exec(fileName)?.[1];
}

/** "cpython-311" for 3.11. */
export function tagOf(version: string): string {
  return `cpython-${version.replace('.', '')}`;
}

/** marshal's string types: short ASCII (z, Z) with a one-byte length; ASCII (a, A), unicode (u) and interned (t) with four. */
const SHORT_STRINGS = new Set([0x7a, 0x5a]);
const LONG_STRINGS = new Set([0x61, 0x41, 0x75, 0x74]);
/** Set on a marshalled object's type byte when it may be referred to again. */
const FLAG_REF = 0x80;

/**
 * Whether marshalled bytecode holds `text` as a whole string — its type byte and length right
 * before it — rather than as the end of a longer one (a BUILDROOT path ending in the installed
 * path holds the installed path too).
 */
export function holdsString(data: Buffer, text: string): boolean {
  return holdsBytes(data, Buffer.from(text, 'utf8'));
}

function holdsBytes(data: Buffer, needle: Buffer): boolean {
  for (let at = data.indexOf(needle); at >= 0; at = data.indexOf(needle, at + 1)) {
    if (at >= 2 && SHORT_STRINGS.has((data[at - 2] ?? 0) & ~FLAG_REF) && data[at - 1] === needle.length) return true;
    if (at >= 5 && LONG_STRINGS.has((data[at - 5] ?? 0) & ~FLAG_REF) && data.readUInt32LE(at - 4) === needle.length) return true;
  }
  return false;
}

/** holdsString on bytecode that arrives in pieces: a string, with the five bytes of type and length before it, across two of them included. */
export class StringFinder extends PieceSearch<true> {
  constructor(text: string) {
    const needle = Buffer.from(text, 'utf8');
    super(needle.length + 4, (bytes) => holdsBytes(bytes, needle) || undefined);
  }

  get found(): boolean {
    return this.result === true;
  }
}
