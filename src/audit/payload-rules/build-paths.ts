/**
 * Build-time paths (PH305): where build systems and runners put things, none of which may
 * appear in an installed file; found in whole files, in bytes that stream by in pieces, and
 * in the file: URL of a direct_url.json. Pure.
 */
import type { Report } from './state.js';

const BUILD_MARKERS = ['/BUILDROOT/', '/rpmbuild/BUILD', '/rpmbuild/SOURCES', '/builddir/build/', '/home/runner/work/', '/__w/', '/hostedtoolcache/', '/phoreus-build-', '/phoreus-app-'];
const PIP_TEMP = /\/tmp\/pip-(install|build-env|req-build|wheel|ephem-wheel-cache|modern-metadata|standalone-pip|unpack|target|build-tracker)-/;

/** The first build-time path marker in the bytes, if any. */
export function buildPathIn(data: Buffer, literal: readonly string[]): string | undefined {
  for (const marker of [...literal, ...BUILD_MARKERS]) {
    if (marker && data.includes(marker)) return marker;
  }
  if (data.includes('/tmp/pip-')) {
    const m = PIP_TEMP.exec(data.toString('latin1'));
    if (m) return m[0];
  }
  return undefined;
}

/**
 * Finds the first build-time path in bytes that arrive in pieces: each piece is searched
 * with the end of the one before, so a marker split between two pieces is found too.
 */
export class BuildPathScanner {
  private tail = Buffer.alloc(0);
  private readonly overlap: number;
  found: string | undefined;

  constructor(private readonly literal: readonly string[]) {
    this.overlap = Math.max(64, ...literal.map((l) => Buffer.byteLength(l))) + 64;
  }

  push(chunk: Buffer): void {
    if (this.found) return;
    const window = Buffer.concat([this.tail, chunk]);
    this.found = buildPathIn(window, this.literal);
    this.tail = Buffer.from(window.subarray(Math.max(0, window.length - this.overlap)));
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

