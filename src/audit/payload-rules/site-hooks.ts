/** PH303 and PH316: what .pth files and site/usercustomize add to every start of Python. Pure. */
import { posix } from 'node:path';
import type { PayloadState, Report } from './state.js';

/**
 * PH303: .pth files and site/usercustomize may not reach outside the venv. PH316: a .pth
 * line that starts with "import" is code Python runs at every start of the venv.
 */
export function checkPathHooks(p: PayloadState, report: Report, path: string, text: string): void {
  const dir = posix.dirname(path);
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const isCode = path.endsWith('.py') || /^import[\s\t]/.test(line);
    if (path.endsWith('.pth') && isCode) {
      report('PH316', path, i + 1, `${posix.basename(path)} runs code at every start of Python in the venv ("${line.length > 60 ? `${line.slice(0, 57)}...` : line}"): check that the package needs it; its build never runs it (pip check runs with site hooks off)`);
    }
    const candidates = isCode ? [...line.matchAll(/["'](\/[^"']+|\.\.\/[^"']*)["']/g)].map((m) => m[1] ?? '') : [line];
    if (isCode && !/sys\.path|addsitedir|PYTHONPATH/.test(line) && !path.endsWith('.pth')) return;
    for (const candidate of candidates) {
      const resolved = posix.resolve(dir, candidate);
      if (resolved !== p.venv && !resolved.startsWith(`${p.venv}/`)) {
        report('PH303', path, i + 1, `${posix.basename(path)} adds ${candidate} to the module search path, outside the venv: it would share modules across tools (charter §3.1, §10); remove it`);
      }
    }
  });
}

