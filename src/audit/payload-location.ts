/**
 * Where an RPM's payload begins and what compressed it, read from the file's own structure
 * (the lead, the signature header, the header), so that the payload can go straight to its
 * decompressor: rpm2cpio hands a pipe its output eight KiB at a time, which costs the audit
 * more than the decompression. Pure: it is given a reader of the file's bytes.
 */

const LEAD = 96;
const INTRO = 16;
const ENTRY = 16;
const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);
/** rpm's own bounds on a header (hdrchkTags, hdrchkData): larger is damaged or hostile. */
const MAX_TAGS = 0xffff;
const MAX_DATA = 0x10000000;
const PAYLOADCOMPRESSOR = 1125;
const STRING = 6;

export interface PayloadLocation {
  /** The byte offset of the compressed payload. */
  offset: number;
  /** The header's PAYLOADCOMPRESSOR; rpm's default, gzip, when the header names none. */
  compressor: string;
}

/** Reads `length` bytes at `offset`; fewer at the end of the file. */
export type ReadAt = (offset: number, length: number) => Buffer;

interface HeaderSpan {
  tags: number;
  data: number;
  end: number;
}

function headerAt(read: ReadAt, at: number, which: string): HeaderSpan {
  const intro = read(at, INTRO);
  if (intro.length < INTRO || !intro.subarray(0, 4).equals(HEADER_MAGIC)) throw new Error(`its ${which} does not start with the header magic number`);
  const tags = intro.readUInt32BE(8);
  const data = intro.readUInt32BE(12);
  if (tags < 1 || tags > MAX_TAGS || data > MAX_DATA) throw new Error(`its ${which} claims ${tags} tags and ${data} bytes of data`);
  return { tags, data, end: at + INTRO + tags * ENTRY + data };
}

/** The payload's offset and compressor; throws on a file whose headers do not hold together. */
export function locatePayload(read: ReadAt): PayloadLocation {
  const signature = headerAt(read, LEAD, 'signature header');
  // The signature header is padded to a multiple of eight bytes; the header is not.
  const headerStart = signature.end + ((8 - (signature.end % 8)) % 8);
  const header = headerAt(read, headerStart, 'header');
  const index = read(headerStart + INTRO, header.tags * ENTRY);
  const store = read(headerStart + INTRO + header.tags * ENTRY, header.data);
  if (index.length < header.tags * ENTRY || store.length < header.data) throw new Error('its header is cut short');
  let compressor = 'gzip';
  for (let i = 0; i < header.tags; i++) {
    const at = i * ENTRY;
    if (index.readUInt32BE(at) !== PAYLOADCOMPRESSOR) continue;
    const offset = index.readUInt32BE(at + 8);
    const end = store.indexOf(0, offset);
    if (index.readUInt32BE(at + 4) !== STRING || offset >= store.length || end < 0) throw new Error('its payload compressor tag is malformed');
    compressor = store.toString('latin1', offset, end);
  }
  return { offset: header.end, compressor };
}

/** The command that decompresses a payload of this compressor from stdin to stdout, when there is one. */
export function decompressorFor(compressor: string): string[] | undefined {
  switch (compressor) {
    case 'zstd': return ['zstd', '-dcq'];
    case 'xz': return ['xz', '-dcq'];
    case 'lzma': return ['xz', '-dcq', '--format=lzma'];
    case 'gzip': return ['gzip', '-dcq'];
    case 'bzip2': return ['bzip2', '-dcq'];
    default: return undefined;
  }
}
