/**
 * Why an sdist did not build, in a line: the lines of the backend's own output that say what
 * went wrong (not pip's wrapper around them), and whether what failed is a compiler or a
 * system library (which a container of the target distro provides) or the package itself.
 */

/** pip's own framing of a failed build: never the reason. */
const FRAMING = /subprocess-exited-with-error|Failed building wheel|Failed to build|did not run successfully|This error originates from a subprocess|lines of output\]|end of output|exit code:|See above for output|ERROR: Could not build wheels|legacy-install-failure|ERROR: Failed to build installable wheels|finished with status 'error'|^Building wheel for /;
const REASON = /\b(error|Error|ERROR|fatal|No such file|not found|cannot find|[A-Z]\w*(Error|Exception)|invalid command|undefined reference|Unable to)\b/;
const NEEDS_SYSTEM = [
  /command '[^']*\b(gcc|cc|c\+\+|g\+\+|clang|gfortran|x86_64-linux-gnu-gcc)' failed/,
  /\b(gcc|g\+\+|cc|c\+\+|clang|gfortran|cmake|make|pkg-config|ninja|cargo|rustc)\b[^\n]*\b(not found|No such file|failed with exit|is required)/,
  /fatal error: [\w./+-]+\.(h|hpp|hh)\b/,
  /cannot find -l[\w+-]+/,
  /\blibrary [\w.+-]+ (is )?not found/i,
  /\bPython\.h\b/,
  /No CMAKE_\w+_COMPILER could be found|Unknown compiler|could not find a (C|Fortran) compiler|can't find Rust compiler/i,
  /Package '?[\w.+-]+'? was not found in the pkg-config search path|Dependency "?[\w.+-]+"? not found/,
];

/** Strips pip's box drawing and indentation from a line of the backend's output. */
const plain = (line: string): string => line.replace(/^[\s│╰─>×║]+/u, '').trimEnd();

/** Up to `max` distinct lines that state the failure, last first wins (the backend's final word). */
export function failureLines(output: string, max = 3): string[] {
  const lines = output.split('\n').map(plain).filter((l) => l.length > 0 && !FRAMING.test(l));
  const reasons = lines.filter((l) => REASON.test(l));
  const chosen = (reasons.length > 0 ? reasons : lines).slice(-12);
  const distinct = [...new Set(chosen)].slice(-max);
  return distinct.map((l) => (l.length > 240 ? `${l.slice(0, 237)}...` : l));
}

/** True when the build failed for want of a compiler, a build tool or a system library. */
export function needsSystemTools(output: string): boolean {
  return NEEDS_SYSTEM.some((pattern) => pattern.test(output));
}
