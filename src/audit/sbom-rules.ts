/**
 * PH403: the CycloneDX SBOM shipped beside the lock tells the truth about the payload — every
 * distribution installed in the venv (its dist-info METADATA) is in it with its version, it
 * lists nothing that is not installed, and each hash it gives for a locked distribution is one
 * the lock allows. Fed the payload's small files as they stream by. Pure: no I/O.
 */
import { posix } from 'node:path';
import { finding, type Finding } from '../core/finding.js';
import { lockedPackages, type LockedPackage } from '../checks/lockfile.js';
import { sbomDistributions } from '../rpm/sbom.js';
import { SOURCES } from '../rpm/spec.js';
import { normalizeName } from '../requirements/pep508.js';
import { satisfies } from '../requirements/versions.js';
import type { CpioEntry } from './cpio.js';

export class SbomCheck {
  private sbom: string | undefined;
  /** The lock's pins for the target, parsed as it streams by. */
  private locked: LockedPackage[] | undefined;
  private readonly installed = new Map<string, { version: string; path: string }>();
  readonly path: string;

  constructor(private readonly prefix: string, private readonly sitePackages: string, private readonly target: { interpreter: string; arch: string }) {
    this.path = `${prefix}/${SOURCES.sbom}`;
  }

  /** Whether the check reads this payload file: the SBOM, the lock, the installed distributions' METADATA. */
  reads(name: string): boolean {
    const path = `/${name}`;
    return path === this.path || path === `${this.prefix}/requirements.lock` || (path.endsWith('/METADATA') && this.isMetadata(path));
  }

  /** An installed distribution's METADATA: site-packages/<name>.dist-info/METADATA. */
  private isMetadata(path: string): boolean {
    return posix.dirname(posix.dirname(path)) === this.sitePackages && /\.dist-info\/METADATA$/.test(path);
  }

  see(entry: CpioEntry): void {
    const path = `/${entry.name}`;
    if (path === this.path) this.sbom = entry.data.toString('utf8');
    else if (path === `${this.prefix}/requirements.lock`) this.locked = lockedPackages(entry.data.toString('utf8'), this.target.interpreter, this.target.arch);
    else if (this.isMetadata(path)) {
      const text = entry.data.toString('utf8');
      const name = /^Name:\s*(.+)$/m.exec(text)?.[1]?.trim();
      const version = /^Version:\s*(.+)$/m.exec(text)?.[1]?.trim();
      if (name && version) this.installed.set(normalizeName(name), { version, path: posix.dirname(path) });
    }
  }

  finish(): Finding[] {
    if (this.sbom === undefined) {
      return [finding('PH403', this.path, 1, `the RPM ships no SBOM at ${this.path}, so what it installs cannot be shown to an auditor (charter §13, §15); build it with phoreus-rpm, which writes one`)];
    }
    const listed = sbomDistributions(this.sbom);
    if (!listed) return [finding('PH403', this.path, 1, 'the SBOM is not a CycloneDX JSON document with components; ship the one the build wrote')];
    const findings: Finding[] = [];
    for (const [name, dist] of this.installed) {
      const entry = listed.get(name);
      if (!entry) findings.push(finding('PH403', dist.path, 1, `${name} ${dist.version} is installed but the SBOM does not list it: the SBOM must name everything in the venv`));
      else if (!satisfies(dist.version, [{ operator: '==', version: entry.version }])) findings.push(finding('PH403', dist.path, 1, `${name} ${dist.version} is installed but the SBOM says ${entry.version}`));
    }
    for (const [name, entry] of listed) {
      if (!this.installed.has(name)) findings.push(finding('PH403', this.path, 1, `the SBOM lists ${name} ${entry.version}, which is not installed in the venv`));
    }
    for (const pin of this.locked ?? []) {
      const entry = listed.get(normalizeName(pin.name));
      if (!entry) continue;
      if (!entry.sha256.some((h) => pin.hashes.includes(h))) {
        findings.push(finding('PH403', this.path, 1, `the SBOM gives ${pin.name} ${entry.version} the sha256 ${entry.sha256[0] ?? '(none)'}, which requirements.lock does not allow for ${pin.name}==${pin.version}`));
      }
    }
    return findings;
  }
}
