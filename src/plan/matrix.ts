/** The build matrix: every (interpreter, distro) pair the configuration names. Pure. */
import { DEFAULT_SANCTIONED } from '../config/config.js';

export interface MatrixEntry {
  interpreter: string;
  distro: string;
}

export const DEFAULT_DISTROS = ['el9'];

export function buildMatrix(raw: Record<string, unknown>): MatrixEntry[] {
  const policy = (raw.policy ?? {}) as { interpreters?: string[]; distros?: string[] };
  const interpreters = policy.interpreters ?? DEFAULT_SANCTIONED;
  const distros = policy.distros ?? DEFAULT_DISTROS;
  return interpreters.flatMap((interpreter) => distros.map((distro) => ({ interpreter, distro })));
}

/** Where one pair's build goes inside the output directory: names never collide. */
export function pairDirectory(entry: MatrixEntry): string {
  return `${entry.distro}-py${entry.interpreter}`;
}
