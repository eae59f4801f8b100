/**
 * The spec as data, after kevinconway/rpmvenv: each part of the build adds its lines to the
 * one Spec (its macros, tags, sources, requires, subpackages, sections), and writeSpec writes
 * it out in the order rpm reads. Pure.
 */

export const SECTIONS = ['prep', 'build', 'install', 'files', 'changelog'] as const;
export type Section = (typeof SECTIONS)[number];

export interface Spec {
  /** What comes before the tags: a comment naming the generator, macro definitions, build policy. */
  preamble: string[];
  /** Tag and value, in order: Name, Version, Release, Summary… */
  tags: Array<[string, string]>;
  /** SourceN and its file: the numbers are the spec's own and may leave gaps. */
  sources: Array<[number, string]>;
  requires: string[];
  buildRequires: string[];
  description: string;
  /** The lines of each subpackage, from its %package to its %files. */
  subpackages: string[][];
  sections: Record<Section, string[]>;
}

export function emptySpec(): Spec {
  return {
    preamble: [], tags: [], sources: [], requires: [], buildRequires: [], description: '', subpackages: [],
    sections: { prep: [], build: [], install: [], files: [], changelog: [] },
  };
}

const tag = (name: string, value: string): string => `${`${name}:`.padEnd(16)}${value}`;

export function writeSpec(spec: Spec): string {
  return [
    ...spec.preamble,
    '',
    ...spec.tags.map(([name, value]) => tag(name, value)),
    ...spec.sources.map(([number, file]) => tag(`Source${number}`, file)),
    '',
    ...spec.requires.map((r) => tag('Requires', r)),
    ...spec.buildRequires.map((r) => tag('BuildRequires', r)),
    '',
    '%description',
    spec.description,
    ...spec.subpackages.flatMap((lines) => ['', ...lines]),
    ...SECTIONS.flatMap((section) => ['', `%${section}`, ...spec.sections[section]]),
    '',
  ].join('\n');
}
