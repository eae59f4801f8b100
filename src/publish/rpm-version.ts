/** rpm's version comparison (rpmvercmp), to tell which release of a package is the newest. Pure. */

/** -1, 0 or 1, as rpmvercmp: digit runs compare as numbers, letter runs as strings, "~" sorts before anything, "^" after the end. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const separator = /[^A-Za-z0-9~^]/;
  while (i < a.length || j < b.length) {
    while (i < a.length && separator.test(a[i] ?? '')) i++;
    while (j < b.length && separator.test(b[j] ?? '')) j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = /[0-9]/.test(a[i] ?? '');
    const run = numeric ? /^[0-9]+/ : /^[A-Za-z]+/;
    const x = run.exec(a.slice(i))?.[0] ?? '';
    const y = run.exec(b.slice(j))?.[0] ?? '';
    if (y === '') return numeric ? 1 : -1;
    i += x.length;
    j += y.length;
    if (numeric) {
      const xn = x.replace(/^0+/, '');
      const yn = y.replace(/^0+/, '');
      if (xn.length !== yn.length) return xn.length > yn.length ? 1 : -1;
      if (xn !== yn) return xn > yn ? 1 : -1;
    } else if (x !== y) {
      return x > y ? 1 : -1;
    }
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** Version, then release. */
export function compareVersionRelease(a: { version: string; release: string }, b: { version: string; release: string }): number {
  return rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}
