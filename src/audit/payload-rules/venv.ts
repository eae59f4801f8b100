/** PH302 and PH306: the venv is isolated and leads to the target interpreter. Pure. */
import { posix } from 'node:path';
import type { PayloadState, Report } from './state.js';

/** PH302 and PH306: the venv is isolated and points at the target interpreter. */
export function checkPyvenv(p: PayloadState, report: Report): void {
  const file = `${p.venv}/pyvenv.cfg`;
  const text = p.texts.pyvenv;
  if (text === undefined) {
    report('PH302', file, 1, 'pyvenv.cfg is missing: the payload is not a virtual environment (charter §3.1)');
    return;
  }
  const values = new Map<string, { value: string; line: number }>();
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) values.set((m[1] ?? '').toLowerCase(), { value: m[2] ?? '', line: i + 1 });
  });
  const isolation = values.get('include-system-site-packages');
  if (!isolation || isolation.value.toLowerCase() !== 'false') {
    report('PH302', file, isolation?.line ?? 1, `include-system-site-packages is ${isolation ? `"${isolation.value}"` : 'not set'}: it must be false, so no system site-packages leak in (charter §3.1)`);
  }
  const home = values.get('home');
  const expected = `${p.ctx.interpreterHome}/bin`;
  if (!home || home.value.replace(/\/+$/, '') !== expected) {
    report('PH306', file, home?.line ?? 1, `home is ${home ? home.value : 'not set'}, not the target interpreter's ${expected}: the venv would not find its interpreter once installed`);
  }
}

/** PH306: bin/python* lead to the target interpreter. */
export function checkPythonLinks(p: PayloadState, report: Report): void {
  const target = `${p.ctx.interpreterHome}/bin/python${p.ctx.interpreter}`;
  for (const [path, link] of p.symlinks) {
    if (!path.startsWith(`${p.venv}/bin/`) || !/\/python[\d.]*$/.test(path)) continue;
    // Follow the chain inside the payload; where it leaves the payload is where it leads.
    let current = path;
    let resolved = posix.resolve(posix.dirname(current), link);
    for (let hops = 0; hops < 8; hops++) {
      const next = p.symlinks.get(resolved);
      if (next === undefined) break;
      current = resolved;
      resolved = posix.resolve(posix.dirname(current), next);
    }
    if (resolved !== target) {
      report('PH306', path, 1, `${posix.basename(path)} leads to ${resolved}, not the target interpreter ${target}`);
    }
  }
}

