/**
 * Build-time paths (PH305): where build systems and runners put things, none of which may
 * appear in an installed file; found in whole files, in bytes that stream by in pieces, and
 * in the file: URL of a direct_url.json. Pure.
 */
import { PieceSearch } from '../piece-search.js';
import type { Report } from './state.js';

const BUILD_MARKERS = ['/BUILDROOT/', '/rpmbuild/BUILD', '/rpmbuild/SOURCES', '/builddir/build/', '/home/runner/work/', '/__w/', '/hostedtoolcache/', '/phoreus-build-', '/phoreus-app-'];
/** pip's temporary directories: found by their common start, then told apart by this pattern. */
const PIP_TEMP_START = '/tmp/pip-';
const PIP_TEMP = /^\/tmp\/pip-(install|build-env|req-build|wheel|ephem-wheel-cache|modern-metadata|standalone-pip|unpack|target|build-tracker)-/;
const SLASH = 0x2f;

interface Marker {
  text: string;
  bytes: Buffer;
  /** Its place in the order markers are named in: the build's own paths first. */
  rank: number;
}

/**
 * The markers of one list of build paths, by the byte after their leading slash: a file is
 * searched once, stopping at its slashes (rare in code and data), instead of once per marker.
 */
interface MarkerTable {
  bySecond: Map<number, Marker[]>;
  /** Build paths that do not start with a slash, searched for on their own. */
  unanchored: Marker[];
  /** Bytes enough to hold any marker (and what a pip directory's pattern reads past it). */
  overlap: number;
}

let cached: { literal: readonly string[]; table: MarkerTable } | undefined;

function tableFor(literal: readonly string[]): MarkerTable {
  if (cached?.literal === literal) return cached.table;
  const table: MarkerTable = { bySecond: new Map(), unanchored: [], overlap: Math.max(64, ...literal.map((l) => Buffer.byteLength(l))) + 64 };
  [...literal, ...BUILD_MARKERS, PIP_TEMP_START].filter(Boolean).forEach((text, rank) => {
    const marker = { text, bytes: Buffer.from(text), rank };
    const second = marker.bytes[1];
    if (marker.bytes[0] !== SLASH || second === undefined) table.unanchored.push(marker);
    else table.bySecond.set(second, [...(table.bySecond.get(second) ?? []), marker]);
  });
  cached = { literal, table };
  return table;
}

/** The marker at `at` in the bytes, if one is; pip's temporary directories by their pattern. */
function markerAt(data: Buffer, at: number, marker: Marker): string | undefined {
  const end = at + marker.bytes.length;
  if (end > data.length || data.compare(marker.bytes, 0, marker.bytes.length, at, end) !== 0) return undefined;
  if (marker.text !== PIP_TEMP_START) return marker.text;
  return PIP_TEMP.exec(data.toString('latin1', at, at + 64))?.[0];
}

/** The first build-time path marker in the bytes, if any: the build's own paths, then the markers, in their order. */
export function buildPathIn(data: Buffer, literal: readonly string[]): string | undefined {
  const { bySecond, unanchored } = tableFor(literal);
  let found: Marker | undefined;
  for (const marker of unanchored) {
    if ((!found || marker.rank < found.rank) && data.includes(marker.bytes)) found = marker;
  }
  let text = found?.text;
  for (let at = data.indexOf(SLASH); at >= 0 && found?.rank !== 0; at = data.indexOf(SLASH, at + 1)) {
    for (const marker of bySecond.get(data[at + 1] ?? -1) ?? []) {
      if (found && marker.rank >= found.rank) break;
      const seen = markerAt(data, at, marker);
      if (seen) {
        found = marker;
        text = seen;
        break;
      }
    }
  }
  return text;
}

/** The first build-time path in bytes that arrive in pieces, a marker split between two of them included. */
export class BuildPathScanner extends PieceSearch<string> {
  constructor(literal: readonly string[]) {
    super(tableFor(literal).overlap, (bytes) => buildPathIn(bytes, literal));
  }

  get found(): string | undefined {
    return this.result;
  }
}

/**
 * PH305: pip writes direct_url.json (PEP 610) for a distribution installed from a path or
 * URL rather than by name; a file: URL names a directory of the machine that installed it,
 * which RECORD lists like any file, so the text markers never judge it.
 */
export function checkDirectUrl(report: Report, path: string, text: string): void {
  let url: unknown;
  try {
    url = (JSON.parse(text) as { url?: unknown }).url;
  } catch {
    return;
  }
  if (typeof url === 'string' && /^file:/i.test(url)) {
    report('PH305', path, 1, `direct_url.json names ${url}, a path on the machine that installed the distribution: install it by name from a wheelhouse (pip --no-index --find-links), for which pip writes no direct_url.json`);
  }
}

