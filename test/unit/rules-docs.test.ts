/** docs/rules.md documents every rule of the catalogue, under its id, citing the same charter section. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULE_IDS, RULES } from '../../src/core/rules.js';

const DOCS = fileURLToPath(new URL('../../docs/rules.md', import.meta.url));

interface Section {
  heading: string;
  line: number;
  body: string;
}

/** The section under the heading that names the rule: up to the next heading of the same or a higher level. */
function sectionsOf(id: string): Section[] {
  const lines = readFileSync(DOCS, 'utf8').split(/\r?\n/);
  const found: Section[] = [];
  let fence = false;
  lines.forEach((text, index) => {
    if (/^\s*(```|~~~)/.test(text)) fence = !fence;
    const heading = fence ? null : /^(#{1,6})\s+(.*)$/.exec(text);
    if (!heading || !new RegExp(`\\b${id}\\b`).test(heading[2] ?? '')) return;
    const level = heading[1]?.length ?? 1;
    const body: string[] = [];
    let inner = false;
    for (const next of lines.slice(index + 1)) {
      if (/^\s*(```|~~~)/.test(next)) inner = !inner;
      const h = inner ? null : /^(#{1,6})\s/.exec(next);
      if (h && (h[1]?.length ?? 7) <= level) break;
      body.push(next);
    }
    found.push({ heading: text, line: index + 1, body: body.join('\n') });
  });
  return found;
}

describe('docs/rules.md', () => {
  for (const id of RULE_IDS) {
    it(`has one section for ${id} citing charter ${RULES[id].charter}`, () => {
      const sections = sectionsOf(id);
      expect(sections, `a heading containing ${id}`).toHaveLength(1);
      const section = sections[0];
      expect(`${section?.heading}\n${section?.body}`, `the ${id} section (line ${section?.line}) cites ${RULES[id].charter}`).toContain(RULES[id].charter);
    });
  }

  it('documents no rule the catalogue lacks', () => {
    const text = readFileSync(DOCS, 'utf8');
    const headed = [...text.matchAll(/^#{1,6}\s+.*?\b(PH\d{3})\b/gm)].map((m) => m[1]);
    for (const id of headed) expect(RULE_IDS as readonly string[], `${id} is headed in docs/rules.md`).toContain(id);
  });
});
