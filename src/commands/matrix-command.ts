/** `matrix`: the (interpreter, distro) pairs of the configuration, as a workflow's strategy.matrix. */
import { loadConfig } from '../config/load.js';
import { UsageError } from '../core/errors.js';
import { buildMatrix, type MatrixEntry } from '../plan/matrix.js';
import { assertProjectDir } from '../plan/project.js';

export function matrixFor(project: string, config?: string): MatrixEntry[] {
  assertProjectDir(project);
  const loaded = loadConfig(project, config);
  if (loaded && loaded.findings.length > 0) {
    const first = loaded.findings[0];
    throw new UsageError(`${first?.file}:${first?.line}: ${first?.message}`);
  }
  return buildMatrix(loaded?.raw ?? {});
}

/** The JSON a workflow reads with fromJSON(): { "include": [ { "interpreter", "distro" }, … ] }. */
export function renderMatrix(entries: readonly MatrixEntry[]): string {
  return JSON.stringify({ include: entries });
}
