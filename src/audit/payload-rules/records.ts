/**
 * The rules that read the distributions' RECORD files, parsed once (parseRecord): PH312
 * (every file as its RECORD gives it) and PH305 (a build path in a file that is not a
 * wheel's file, verbatim). Pure.
 */
import { posix } from 'node:path';
import type { PayloadState, Record, Report } from './state.js';

/** A well-formed RECORD row, and the lenient reading that only needs a path and a digest. */
const EXACT_ROW = /^(.*),sha256=([A-Za-z0-9_-]+),(\d*)$/;
const LENIENT_ROW = /^(.*),sha256=([A-Za-z0-9_-]+),/;

/**
 * Whether a path may hold a ".", ".." or empty segment, or be absolute, and so needs
 * resolving: a plain one is joined as it is. ("a/.b" is resolved too, to the same path.)
 */
const mayNeedResolving = (file: string): boolean =>
  file === '' || file.startsWith('.') || file.startsWith('/') || file.endsWith('/') || file.includes('/.') || file.includes('//');

export function parseRecord(path: string, text: string): Record {
  const base = posix.dirname(posix.dirname(path));
  const under = (file: string): string => (mayNeedResolving(file) ? posix.resolve(base, file) : `${base}/${file}`);
  const listed = (m: RegExpExecArray | null) => (m ? { file: under((m[1] ?? '').replace(/^"|"$/g, '')), sha256: m[2] ?? '' } : undefined);
  return {
    path,
    rows: text.split(/\r?\n/).map((row, i) => {
      const exact = listed(EXACT_ROW.exec(row));
      // A well-formed row reads the same leniently: both take its last ",sha256=" field.
      const lenient = exact ?? listed(LENIENT_ROW.exec(row));
      return { line: i + 1, ...(exact ? { exact } : {}), ...(lenient ? { lenient } : {}) };
    }),
  };
}

/** PH312: every distribution has its RECORD, and files match their RECORD rows. */
export function checkRecords(p: PayloadState, report: Report): void {
  const distributions = new Set<string>();
  for (const path of p.paths) {
    const m = path.includes('.dist-info') ? /^(.*\/site-packages\/[^/]+\.dist-info)(\/|$)/.exec(path) : null;
    if (m?.[1] && m[1].startsWith(`${p.venv}/`)) distributions.add(m[1]);
  }
  for (const dist of distributions) {
    if (!p.files.has(`${dist}/RECORD`)) {
      report('PH312', dist, 1, `${posix.basename(dist)} has no RECORD: nothing can tell whether its files are the ones its wheel installed; ship the RECORD pip writes, never delete it`);
    }
  }
  for (const record of p.records) {
    for (const { line, exact } of record.rows) {
      if (!exact) continue;
      const facts = p.files.get(exact.file);
      if (!facts) {
        if (!p.symlinks.has(exact.file)) report('PH312', record.path, line, `${exact.file} is listed in RECORD but not shipped`);
      } else if (facts.sha256 !== exact.sha256) {
        report('PH312', exact.file, 1, `the file no longer matches the sha256 its distribution's RECORD gives (line ${line} of ${record.path}): it was stripped, mangled or edited after pip installed it; ship it as installed`);
      }
    }
  }
}

/** PH305 for files not shipped verbatim from a hash-locked wheel: a build path in them came from the build. */
export function checkBuildPaths(p: PayloadState, report: Report): void {
  for (const [path, facts] of p.files) {
    // Verbatim: a RECORD lists the file with the digest it has.
    if (facts.buildPath && !(facts.sha256 !== undefined && p.listed.has(`${facts.sha256}${path}`))) report('PH305', path, 1, `the file names a build-time path (${facts.buildPath}): relocate the venv to its installed path before packaging`);
    if (facts.compiledFor && p.files.has(facts.compiledFor.source)) report('PH305', path, 1, facts.compiledFor.message);
  }
}

