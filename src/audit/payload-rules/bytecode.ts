/** PH307: bytecode for the venv's interpreter only, compiled for its installed path. Pure. */
import { posix } from 'node:path';
import { holdsString, magicOf, pycTag, readPycHeader, tagOf } from '../pyc.js';
import type { FileFacts, PayloadState, Report } from './state.js';

/**
 * PH307: bytecode for interpreter X.Y only. Returns what the co_filename names when it is not
 * the installed source path (PH305, judged at the end: bytecode without its source beside it
 * cannot be compiled again, and is left as its wheel ships it).
 */
export function checkPyc(p: PayloadState, report: Report, path: string, data: Buffer): FileFacts['compiledFor'] {
  if (!checkPycHeader(p, report, path, data)) return undefined;
  const source = compiledSource(path);
  if (source === undefined || holdsString(data, source)) return undefined;
  const rel = source.slice(p.sitePackages.length + 1);
  const found = rel ? new RegExp(`[\\x21-\\x7e]*${rel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).exec(data.toString('latin1'))?.[0] : undefined;
  return { source, message: `the bytecode's co_filename is ${found ?? 'not the installed source path'}, not exactly ${source}: compile after relocation, for the installed path (compileall -s BUILDROOT -p /)` };
}

/** The source a .pyc of a __pycache__ directory is compiled from, which its co_filename names. */
export function compiledSource(path: string): string | undefined {
  if (!path.includes('/__pycache__/')) return undefined;
  return `${posix.dirname(posix.dirname(path))}/${posix.basename(path).replace(/\.cpython-\d+(\.opt-\d)?\.pyc$/, '.py')}`;
}

/** PH307 from a bytecode file's header and name; false when it is not bytecode at all. */
export function checkPycHeader(p: PayloadState, report: Report, path: string, data: Buffer): boolean {
  const header = readPycHeader(data);
  const expected = magicOf(p.ctx.interpreter);
  const tag = pycTag(path);
  if (!header) {
    report('PH307', path, 1, 'the file is not Python bytecode (bad magic); remove it');
    return false;
  }
  // Bytecode a waiver accepts (data a package ships) does not make the venv one of several interpreters.
  if (!p.waivers.covering('PH307', path)) {
    p.pycVersions.set(header.version ?? `magic ${header.magic}`, path);
    if (tag) p.pycVersions.set(tag.replace('cpython-', '').replace(/^(\d)(\d+)$/, '$1.$2'), path);
  }
  if (header.magic !== expected || (tag && tag !== tagOf(p.ctx.interpreter))) {
    const what = header.version ? `Python ${header.version}${header.isFinal ? '' : ' (a pre-release)'}` : `an unknown interpreter (magic ${header.magic})`;
    report('PH307', path, 1, `the bytecode is for ${what}, not Python ${p.ctx.interpreter} (magic ${expected}): compile it with the venv's interpreter (Fedora's rule: every .pyc carries its interpreter's magic)`);
  }
  return true;
}

