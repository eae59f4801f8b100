/** Where the payload installs (PH301) and with which modes (PH315). Pure. */
import { isDirectory, S_IFDIR, S_IFLNK, S_IFREG } from '../cpio.js';
import { modulefileDir, toolDir } from '../../core/layout.js';
import type { PayloadState, Report } from './state.js';

/** Files rpm may install with these modes break the isolation of the system (PH315). */
const UNSAFE_MODE = 0o7002;

/** PH301: everything under the tool version's prefix, or its modulefile. */
export function checkPlace(p: PayloadState, report: Report, path: string, mode: number): void {
  if (path.startsWith(p.prefix) && (path.length === p.prefix.length || path[p.prefix.length] === '/')) return;
  if (path === p.modulefile) return;
  if (isDirectory(mode) && (path === toolDir(p.ctx.tool) || path === modulefileDir(p.ctx))) return;
  report('PH301', path, 1, `${path} is outside ${p.prefix}/ and the tool's modulefile: a Phoreus RPM installs nothing into the system or another tool's tree (charter §3.1, §10); remove it from %files`);
}

/**
 * PH315 and PH301 on the header's file list, which is what rpm installs: no setuid,
 * setgid, sticky or world-writable file, nothing but files, directories and symlinks, and
 * no file the payload does not hold (a %ghost) outside the prefix.
 */
export function checkHeaderFiles(p: PayloadState, report: Report, files: ReadonlyArray<{ path: string; mode: number }>): void {
  for (const { path, mode } of files) {
    if (mode < 0) {
      report('PH301', p.prefix, 1, `the header lists a file whose name breaks its line (${path}): a name with a newline has no place in a venv`);
      continue;
    }
    const type = mode & 0o170000;
    if (type !== S_IFREG && type !== S_IFDIR && type !== S_IFLNK) {
      report('PH315', path, 1, `the RPM installs a device, pipe or socket (mode ${mode.toString(8)}): a venv holds files, directories and symlinks only; remove it`);
    } else if (type !== S_IFLNK && (mode & UNSAFE_MODE) !== 0) {
      const what = [mode & 0o4000 ? 'setuid' : '', mode & 0o2000 ? 'setgid' : '', mode & 0o1000 ? 'sticky' : '', mode & 0o002 ? 'world-writable' : ''].filter(Boolean).join(', ');
      report('PH315', path, 1, `the RPM installs it ${what} (mode ${(mode & 0o7777).toString(8)}): a setuid file runs as its owner, a world-writable one lets any user change the tool (charter §3.1, §11); give it mode 644 or 755`);
    }
    if (!p.paths.has(path)) checkPlace(p, report, path, mode);
  }
}

