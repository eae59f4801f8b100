/** A lock's text cut into one block per requirement, and blocks given extra hashes. Pure. */
import { normalizeName } from './pep508.js';
import { parseRequirementsFile, physicalLines, requirementEntries } from './parse.js';

/** Each named requirement's lines (the requirement and its continuation lines), by normalized name. */
export function requirementBlocks(lockText: string): Map<string, string> {
  const lines = physicalLines(lockText);
  const blocks = new Map<string, string>();
  for (const entry of requirementEntries(parseRequirementsFile(lockText))) {
    const name = entry.requirement?.name;
    if (!name) continue;
    const block: string[] = [];
    for (let i = entry.line - 1; i < lines.length; i++) {
      const line = lines[i] ?? '';
      block.push(line);
      if (!line.trimEnd().endsWith('\\')) break;
    }
    blocks.set(normalizeName(name), `${block.join('\n')}\n`);
  }
  return blocks;
}

/** The lock with further allowed sha256 digests on some requirements (wheels built from verified sdists). */
export function withExtraHashes(lockText: string, extra: ReadonlyMap<string, string>): string {
  if (extra.size === 0) return lockText;
  const lines = physicalLines(lockText);
  const insertAfter = new Map<number, string>();
  for (const entry of requirementEntries(parseRequirementsFile(lockText))) {
    const digest = entry.requirement?.name ? extra.get(normalizeName(entry.requirement.name)) : undefined;
    if (digest) insertAfter.set(entry.line - 1, digest);
  }
  const out: string[] = [];
  lines.forEach((line, index) => {
    const digest = insertAfter.get(index);
    if (!digest) {
      out.push(line);
      return;
    }
    const continued = line.trimEnd().endsWith('\\');
    out.push(continued ? line : `${line.trimEnd()} \\`, `    --hash=sha256:${digest}${continued ? ' \\' : ''}`);
  });
  return `${out.join('\n')}\n`;
}

/** The lock's option lines (index, find-links) and the blocks of the named requirements only. */
export function lockSubset(lockText: string, names: ReadonlySet<string>): string {
  const options = physicalLines(lockText).filter((l) => /^\s*(-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host)\b/.test(l));
  const blocks = [...requirementBlocks(lockText)].filter(([name]) => names.has(name)).map(([, block]) => block);
  return `${[...options, ''].join('\n')}${blocks.join('')}`;
}

/** The lock without the named requirements (packages skipped on a platform). */
export function withoutRequirements(lockText: string, names: ReadonlySet<string>): string {
  if (names.size === 0) return lockText;
  const lines = physicalLines(lockText);
  const dropped = new Set<number>();
  for (const entry of requirementEntries(parseRequirementsFile(lockText))) {
    if (!entry.requirement?.name || !names.has(normalizeName(entry.requirement.name))) continue;
    for (let i = entry.line - 1; i < lines.length; i++) {
      dropped.add(i);
      if (!(lines[i] ?? '').trimEnd().endsWith('\\')) break;
    }
  }
  return `${lines.filter((_, i) => !dropped.has(i)).join('\n')}\n`;
}
