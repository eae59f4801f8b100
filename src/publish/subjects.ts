/**
 * Provenance subjects: the sha256 of every file a run produced, one `<sha256>  <name>` line
 * each as sha256sum prints them, which actions/attest-build-provenance reads from the file its
 * subject-checksums input names.
 */
import { sha256File } from '../tools/blob-store.js';

export interface Subject {
  path: string;
  /** The name the file is known by outside the runner (its artifact's or release asset's). */
  name: string;
}

/** A name in a checksums line: one line, no leading "*" (sha256sum's binary marker). Pure. */
function lineName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters would break the line format
  return name.replace(/[\x00-\x1f\x7f]/g, '_').replace(/^\*/, '_');
}

export async function subjectLines(subjects: readonly Subject[]): Promise<string> {
  const lines: string[] = [];
  for (const s of subjects) lines.push(`${await sha256File(s.path)}  ${lineName(s.name)}`);
  return lines.join('\n');
}
