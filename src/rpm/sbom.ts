/**
 * The CycloneDX 1.6 SBOM of one RPM (charter §13: embed dependency hashes; §15: regulatory
 * defensibility): every distribution installed from the lock, with the sha256 of the file the
 * lock let in, its licence where its metadata gives one, the application, and the interpreter
 * module it requires; the RPM is the top component. Deterministic: the time is the build's
 * SOURCE_DATE_EPOCH and the serial number is derived from the content. Pure.
 */
import { createHash } from 'node:crypto';
import { normalizeName } from '../requirements/pep508.js';

/** Licence facts of a distribution's METADATA (core metadata 2.4 and earlier). */
export interface LicenceFields {
  expression?: string;
  license?: string;
  classifiers: string[];
}

export interface SbomDistribution {
  name: string;
  version: string;
  /** The file the lock's hash covers (the wheel, or the sdist a wheel was built from). */
  file: string;
  sha256: string;
  licence: LicenceFields;
  /** Built here from its hash-checked sdist. */
  fromSource?: boolean;
}

export interface SbomInput {
  /** RPM name, version, release (with %{dist}) and arch. */
  rpm: { name: string; version: string; release: string; arch: string; summary: string; license: string };
  distributions: SbomDistribution[];
  application?: SbomDistribution;
  interpreter: { module: string; version: string };
  generator: { name: string; version: string };
  epoch: number;
}

type Licence = { license: { name: string } } | { expression: string };

/** A one-line licence name: a METADATA License field that holds the whole licence text is left out. */
const oneLine = (text: string | undefined): string | undefined => {
  const t = text?.trim();
  return t && !t.includes('\n') && t.length <= 200 && !/^unknown$/i.test(t) ? t : undefined;
};

/** PEP 639's License-Expression first, then the trove classifiers, then the License field. */
export function licences(fields: LicenceFields): Licence[] {
  const expression = oneLine(fields.expression);
  if (expression) return [{ expression }];
  const classified = fields.classifiers
    .filter((c) => c.startsWith('License :: '))
    .map((c) => c.split('::').map((p) => p.trim()).pop() ?? '')
    .filter((name) => name !== '' && name !== 'OSI Approved');
  if (classified.length > 0) return [...new Set(classified)].sort().map((name) => ({ license: { name } }));
  const field = oneLine(fields.license);
  return field ? [{ license: { name: field } }] : [];
}

/** purl of a PyPI distribution: the PEP 503 normalised name, as the purl spec asks. */
export const pypiPurl = (name: string, version: string): string => `pkg:pypi/${normalizeName(name)}@${encodeURIComponent(version)}`;

export const rpmPurl = (rpm: SbomInput['rpm']): string =>
  `pkg:rpm/phoreus/${encodeURIComponent(rpm.name)}@${encodeURIComponent(`${rpm.version}-${rpm.release}`)}?arch=${encodeURIComponent(rpm.arch)}`;

function component(d: SbomDistribution, type: 'library' | 'application'): Record<string, unknown> {
  const purl = pypiPurl(d.name, d.version);
  const found = licences(d.licence);
  return {
    type,
    'bom-ref': purl,
    name: d.name,
    version: d.version,
    hashes: [{ alg: 'SHA-256', content: d.sha256 }],
    ...(found.length > 0 ? { licenses: found } : {}),
    purl,
    properties: [
      { name: 'phoreus:file', value: d.file },
      ...(d.fromSource ? [{ name: 'phoreus:built-from-sdist', value: 'true' }] : []),
    ],
  };
}

/** An RFC 4122 name-based UUID (version 5 layout) from a digest of the document. */
function contentUuid(text: string): string {
  const bytes = createHash('sha256').update(text).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function renderSbom(input: SbomInput): string {
  const top = rpmPurl(input.rpm);
  const interpreterRef = `pkg:rpm/phoreus/${encodeURIComponent(input.interpreter.module)}`;
  const libraries = [...input.distributions].sort((a, b) => normalizeName(a.name).localeCompare(normalizeName(b.name))).map((d) => component(d, 'library'));
  const application = input.application ? component(input.application, 'application') : undefined;
  const components = [
    ...(application ? [application] : []),
    ...libraries,
    {
      type: 'platform', 'bom-ref': interpreterRef, name: input.interpreter.module, version: input.interpreter.version, purl: interpreterRef,
      description: `Python ${input.interpreter.version}, the interpreter module the RPM requires`,
    },
  ];
  const refs = (list: Array<Record<string, unknown>>): string[] => list.map((c) => String(c['bom-ref']));
  const body = {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    metadata: {
      timestamp: new Date(input.epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      tools: { components: [{ type: 'application', name: input.generator.name, version: input.generator.version }] },
      component: {
        type: 'application', 'bom-ref': top, name: input.rpm.name, version: `${input.rpm.version}-${input.rpm.release}`,
        description: input.rpm.summary, licenses: [{ license: { name: input.rpm.license } }], purl: top,
      },
    },
    components,
    dependencies: [
      { ref: top, dependsOn: [...(application ? refs([application]) : []), ...refs(libraries), interpreterRef] },
      ...(application ? [{ ref: String(application['bom-ref']), dependsOn: refs(libraries) }] : []),
      ...libraries.map((l) => ({ ref: String(l['bom-ref']), dependsOn: [] })),
      { ref: interpreterRef, dependsOn: [] },
    ],
  };
  const serialNumber = `urn:uuid:${contentUuid(JSON.stringify(body))}`;
  const { bomFormat, specVersion, ...rest } = body;
  return `${JSON.stringify({ bomFormat, specVersion, serialNumber, ...rest }, null, 2)}\n`;
}

/** The SBOM's PyPI components as the audit compares them: normalised name → version and sha256. Pure. */
export function sbomDistributions(text: string): Map<string, { version: string; sha256: string[] }> | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const components = (doc as { components?: unknown }).components;
  if (!Array.isArray(components)) return undefined;
  const found = new Map<string, { version: string; sha256: string[] }>();
  for (const c of components as Array<Record<string, unknown>>) {
    const purl = typeof c.purl === 'string' ? c.purl : '';
    if (!purl.startsWith('pkg:pypi/') || typeof c.name !== 'string' || typeof c.version !== 'string') continue;
    const hashes = Array.isArray(c.hashes) ? (c.hashes as Array<{ alg?: unknown; content?: unknown }>) : [];
    found.set(normalizeName(c.name), { version: c.version, sha256: hashes.filter((h) => h.alg === 'SHA-256' && typeof h.content === 'string').map((h) => String(h.content).toLowerCase()) });
  }
  return found;
}
