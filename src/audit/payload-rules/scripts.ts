/** PH304: scripts on PATH run the venv's own interpreter. Pure. */
import { posix } from 'node:path';
import type { PayloadState, Report } from './state.js';

/** What of a script its interpreter lines are read from: the first line and, for pip's /bin/sh trampoline, the second. */
export const SCRIPT_HEAD = 512;

/** PH304: scripts on PATH must run the venv's own interpreter (judged in judgeShebangs). */
export function checkShebang(p: PayloadState, path: string, data: Buffer): void {
  if (data[0] !== 0x23 || data[1] !== 0x21) return;
  const head = data.subarray(0, SCRIPT_HEAD).toString('utf8').split('\n');
  const first = (head[0] ?? '').slice(2).trim();
  const exec = /^'''exec' "?([^"\s]+)"?/.exec(head[1] ?? '');
  const interpreter = first === '/bin/sh' && exec ? exec[1] ?? '' : first.split(/\s+/)[0] ?? '';
  // What env runs: its first argument that is neither an option (-S, -i) nor an assignment.
  const argument = first.split(/\s+/).slice(1).find((w) => !w.startsWith('-') && !w.includes('=')) ?? '';
  const runsPython = /python/.test(interpreter) || (/\/env$/.test(interpreter) && /python/.test(argument)) || exec !== null;
  if (runsPython) p.shebangs.push({ path, line: exec ? 2 : 1, interpreter, first });
}

/**
 * PH304 once the payload's symlinks are known: the interpreter path as the kernel resolves
 * it ("//", "/./" and ".." taken as they are, through the payload's own directory links)
 * must be a file in the venv's bin/.
 */
export function judgeShebangs(p: PayloadState, report: Report): void {
  for (const { path, line, interpreter, first } of p.shebangs) {
    const resolved = interpreter.startsWith('/') ? resolveDirectories(p, interpreter) : interpreter;
    if (resolved.startsWith(`${p.venv}/bin/`) && resolved.length > p.venv.length + 5) continue;
    const named = resolved === interpreter ? interpreter : `${interpreter} (that is, ${resolved})`;
    const why = /\/env$/.test(interpreter) ? `"${first}" picks whatever python is first on PATH` : !interpreter.startsWith('/') ? `"${interpreter}" is a relative path` : `${named} is outside the venv`;
    report('PH304', path, line, `the script's interpreter ${why}; it must be ${p.venv}/bin/python (charter §3.1; Debian policy: versioned, honest interpreters)`);
  }
}

/** An absolute path with its directories resolved as the kernel would, through the payload's symlinks; its last name kept. */
export function resolveDirectories(p: PayloadState, path: string): string {
  const pending = path.split('/');
  const last = pending.pop() ?? '';
  if (last === '.' || last === '..') pending.push(last);
  let dir = '/';
  for (let hops = 0; pending.length > 0;) {
    const part = pending.shift() ?? '';
    if (part === '' || part === '.') continue;
    if (part === '..') {
      dir = posix.dirname(dir);
      continue;
    }
    const next = posix.join(dir, part);
    const target = p.symlinks.get(next);
    if (target !== undefined && hops++ < 40) {
      pending.unshift(...(target.startsWith('/') ? target : `${dir}/${target}`).split('/'));
      dir = '/';
    } else {
      dir = next;
    }
  }
  return last === '.' || last === '..' ? dir : posix.join(dir, last);
}

