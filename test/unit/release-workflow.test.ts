/**
 * docs/workflows/release.yml attaches what the build uploads: its download-artifact patterns must
 * take every RPM, SRPM, modulefile and SBOM that src/publish/artifacts.ts names, and leave the
 * report; and it attests the build's provenance subjects with actions/attest-build-provenance.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { artifactFileName } from '../../src/publish/artifacts.js';

const RELEASE = fileURLToPath(new URL('../../docs/workflows/release.yml', import.meta.url));

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}

/** download-artifact's pattern is a minimatch glob; the workflow keeps to `*` and `?`, and anything else fails here. */
function globRegExp(pattern: string): RegExp {
  if (/[[\]{}!+@()]/.test(pattern)) throw new Error(`pattern ${pattern} uses glob syntax this test does not model`);
  const body = pattern.replace(/[.^$|\\/]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

describe('docs/workflows/release.yml', () => {
  const workflow = parse(readFileSync(RELEASE, 'utf8'), { strict: true }) as { jobs: Record<string, { steps?: Step[] }> };
  const downloads = Object.values(workflow.jobs)
    .flatMap((job) => job.steps ?? [])
    .filter((step) => step.uses?.startsWith('actions/download-artifact@'));
  const patterns = downloads.map((step) => String(step.with?.pattern ?? ''));
  const attached = (name: string): boolean => patterns.some((p) => globRegExp(p).test(name));

  it('downloads with download-artifact v8 or later, pinned by commit: earlier versions cannot store an unzipped artifact', () => {
    expect(downloads.length).toBeGreaterThan(0);
    const text = readFileSync(RELEASE, 'utf8');
    for (const line of text.split('\n').filter((l) => l.includes('actions/download-artifact@'))) {
      const pinned = /actions\/download-artifact@([0-9a-f]{40}) # v(\d+)\.\d+\.\d+\s*$/.exec(line);
      expect(pinned, line).not.toBeNull();
      expect(Number(pinned?.[2])).toBeGreaterThanOrEqual(8);
    }
    for (const step of downloads) {
      expect(step.with?.['merge-multiple'], 'the files of every pair in one directory').toBe(true);
      expect(step.with?.path).toBe('release');
    }
  });

  it('takes the RPM, the meta RPM, the SRPM, the modulefile and the SBOM of each pair, and not the report', () => {
    for (const [interpreter, distro] of [['3.11', 'el9'], ['3.10', 'el8'], ['3.12', 'fedora-41'], ['3.11', 'amzn2023']] as const) {
      const names = [
        artifactFileName('/out/phoreus-seqstats-1.2.0-1.2.0-1.el9.x86_64.rpm', interpreter, distro),
        artifactFileName('/out/phoreus-seqstats-1.2.0-1.el9.noarch.rpm', interpreter, distro),
        artifactFileName('/out/phoreus-seqstats-1.2.0-1.2.0-1.el9.src.rpm', interpreter, distro),
        artifactFileName('/work/seqstats-1.2.0.lua', interpreter, distro),
        artifactFileName('/out/phoreus-seqstats-1.2.0-1.2.0-1.el9.x86_64.cdx.json', interpreter, distro),
      ];
      for (const name of names) expect(attached(name), name).toBe(true);
      expect(attached(`phoreus-seqstats-1.2.0-py${interpreter}-${distro}-x86_64-report`)).toBe(false);
    }
  });

  it('attaches everything it downloaded', () => {
    const run = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []).map((s) => (s as { run?: string }).run ?? '').join('\n');
    expect(run).toContain('gh release create');
    for (const pattern of patterns) expect(run).toContain(`release/${pattern}`);
  });

  it('signs with the release key from secrets and attests the build\'s subjects, with the permissions attestation needs', () => {
    const build = (workflow as unknown as { jobs: Record<string, { permissions?: Record<string, string>; steps?: Array<Step & { id?: string; run?: string; env?: Record<string, string> }> }> }).jobs.build;
    const steps = build?.steps ?? [];
    const phoreus = steps.find((s) => s.uses?.startsWith('phoreus/phoreus-rpm@'));
    expect(phoreus?.id).toBe('build');
    expect(phoreus?.with?.['signing-key']).toBe('${{ secrets.PHOREUS_SIGNING_KEY }}');
    expect(phoreus?.with?.['signing-passphrase']).toBe('${{ secrets.PHOREUS_SIGNING_PASSPHRASE }}');
    const write = steps.find((s) => s.env?.SUBJECTS === '${{ steps.build.outputs.subjects }}');
    expect(write?.run).toContain('"$RUNNER_TEMP/subjects.sha256"');
    const attest = steps.find((s) => s.uses?.startsWith('actions/attest-build-provenance@'));
    expect(attest?.uses).toMatch(/^actions\/attest-build-provenance@[0-9a-f]{40}$/);
    expect(attest?.with?.['subject-checksums']).toBe('${{ runner.temp }}/subjects.sha256');
    expect(steps.indexOf(attest ?? {})).toBeGreaterThan(steps.indexOf(write ?? {}));
    expect(build?.permissions).toEqual({ contents: 'read', 'id-token': 'write', attestations: 'write' });
  });
});
