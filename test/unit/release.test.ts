/** The pure parts of the release pipeline: SBOM rendering and reading, rpm's version order, meta default packages, signer key IDs, secrets of a key. */
import { describe, expect, it } from 'vitest';
import { licences, pypiPurl, renderSbom, sbomDistributions, type SbomInput } from '../../src/rpm/sbom.js';
import { SbomCheck } from '../../src/audit/sbom-rules.js';
import { signerKeyIds } from '../../src/audit/signature.js';
import { artifactFileName } from '../../src/publish/artifacts.js';
import { staleMetaPackages } from '../../src/publish/repository.js';
import { compareVersionRelease, rpmvercmp } from '../../src/publish/rpm-version.js';
import { signingSecrets } from '../../src/tools/gpg.js';

const INPUT: SbomInput = {
  rpm: { name: 'phoreus-seqstats-1.2.0', version: '1.2.0', release: '1.el9', arch: 'x86_64', summary: 'seqstats', license: 'MIT' },
  distributions: [
    { name: 'numpy', version: '1.26.4', file: 'numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl', sha256: 'a'.repeat(64), licence: { classifiers: ['License :: OSI Approved :: BSD License'] } },
    { name: 'Click', version: '8.1.7', file: 'click-8.1.7-py3-none-any.whl', sha256: 'b'.repeat(64), licence: { expression: 'BSD-3-Clause', classifiers: [] } },
  ],
  application: { name: 'seqstats', version: '1.2.0', file: 'seqstats-1.2.0-py3-none-any.whl', sha256: 'c'.repeat(64), licence: { license: 'MIT', classifiers: [] } },
  interpreter: { module: 'phoreus-python-3.11', version: '3.11' },
  generator: { name: 'phoreus-rpm', version: '0.1.0' },
  epoch: 1700000000,
};

describe('renderSbom', () => {
  it('is deterministic: the same input gives the same bytes, its serial number a UUID derived from the content', () => {
    expect(renderSbom(INPUT)).toBe(renderSbom(INPUT));
    const other = JSON.parse(renderSbom({ ...INPUT, epoch: 1700000001 }));
    const doc = JSON.parse(renderSbom(INPUT));
    expect(doc.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(other.serialNumber).not.toBe(doc.serialNumber);
    expect(doc.metadata.timestamp).toBe('2023-11-14T22:13:20Z');
  });

  it('puts the RPM on top, the application, the sorted libraries with their hashes and purls, and the interpreter module', () => {
    const doc = JSON.parse(renderSbom(INPUT));
    expect(doc.metadata.component.purl).toBe('pkg:rpm/phoreus/phoreus-seqstats-1.2.0@1.2.0-1.el9?arch=x86_64');
    expect(doc.components.map((c: { name: string; type: string }) => `${c.type}:${c.name}`)).toEqual(['application:seqstats', 'library:Click', 'library:numpy', 'platform:phoreus-python-3.11']);
    expect(doc.components[1].purl).toBe('pkg:pypi/click@8.1.7');
    expect(doc.components[1].hashes).toEqual([{ alg: 'SHA-256', content: 'b'.repeat(64) }]);
    expect(doc.dependencies[0]).toEqual({ ref: doc.metadata.component['bom-ref'], dependsOn: ['pkg:pypi/seqstats@1.2.0', 'pkg:pypi/click@8.1.7', 'pkg:pypi/numpy@1.26.4', 'pkg:rpm/phoreus/phoreus-python-3.11'] });
  });

  it('reads back what it wrote, by normalised name', () => {
    expect(sbomDistributions(renderSbom(INPUT))).toEqual(new Map([
      ['seqstats', { version: '1.2.0', sha256: ['c'.repeat(64)] }],
      ['click', { version: '8.1.7', sha256: ['b'.repeat(64)] }],
      ['numpy', { version: '1.26.4', sha256: ['a'.repeat(64)] }],
    ]));
    expect(sbomDistributions('not json')).toBeUndefined();
    expect(sbomDistributions('{"components": 3}')).toBeUndefined();
  });

  it('purls use the PEP 503 name', () => {
    expect(pypiPurl('Zope.Interface', '6.0')).toBe('pkg:pypi/zope-interface@6.0');
  });
});

describe('licences', () => {
  it('takes License-Expression first, then the classifiers, then a one-line License field', () => {
    expect(licences({ expression: 'MIT OR Apache-2.0', license: 'BSD', classifiers: ['License :: OSI Approved :: MIT License'] })).toEqual([{ expression: 'MIT OR Apache-2.0' }]);
    expect(licences({ license: 'BSD', classifiers: ['License :: OSI Approved :: MIT License', 'License :: OSI Approved :: Apache Software License', 'License :: OSI Approved'] }))
      .toEqual([{ license: { name: 'Apache Software License' } }, { license: { name: 'MIT License' } }]);
    expect(licences({ license: 'BSD-3-Clause', classifiers: ['Programming Language :: Python'] })).toEqual([{ license: { name: 'BSD-3-Clause' } }]);
  });

  it('leaves out a License field holding a whole licence text, or UNKNOWN', () => {
    expect(licences({ license: 'Copyright (c) 2024\n\nPermission is hereby granted...', classifiers: [] })).toEqual([]);
    expect(licences({ license: 'UNKNOWN', classifiers: [] })).toEqual([]);
  });
});

describe('rpmvercmp', () => {
  // Cases from rpm's own test suite (tests/rpmvercmp.at).
  it.each([
    ['1.0', '1.0', 0], ['1.0', '2.0', -1], ['2.0', '1.0', 1], ['2.0.1', '2.0.1', 0], ['2.0', '2.0.1', -1], ['2.0.1a', '2.0.1', 1],
    ['5.5p1', '5.5p2', -1], ['5.5p10', '5.5p1', 1], ['10xyz', '10.1xyz', -1], ['xyz10', 'xyz10.1', -1], ['1.0', '1.0a', -1],
    ['10.0001', '10.1', 0], ['10.0001', '10.0039', -1], ['4_0', '4.0', 0], ['1b.fc17', '1b.fc17', 0], ['1b.fc17', '1.fc17', -1],
    ['1.0~rc1', '1.0', -1], ['1.0~rc1', '1.0~rc2', -1], ['1.0^', '1.0', 1], ['1.0^git1', '1.0.1', -1], ['1.0^git1', '1.0~rc1', 1],
    ['a', '1', -1], ['1', 'a', 1],
  ])('%s vs %s is %i', (a, b, expected) => {
    expect(rpmvercmp(a, b)).toBe(expected);
    expect(rpmvercmp(b, a)).toBe(-expected || 0);
  });

  it('orders version first, then release', () => {
    expect(compareVersionRelease({ version: '1.10', release: '1' }, { version: '1.9', release: '5' })).toBe(1);
    expect(compareVersionRelease({ version: '1.9', release: '1.el9' }, { version: '1.9', release: '2.el9' })).toBe(-1);
  });
});

describe('staleMetaPackages', () => {
  const meta = (version: string, file = `phoreus-seqstats-${version}.rpm`) => ({ file, name: 'phoreus-seqstats', version, release: '1.el9', arch: 'noarch', buildTime: 0, meta: true });
  it('leaves out a meta default package older than the newest published or offered one, never a newer one', () => {
    const published = [{ name: 'phoreus-seqstats', version: '1.2.0', release: '1.el9', arch: 'noarch' }];
    expect([...staleMetaPackages([meta('1.1.0')], published).keys()]).toEqual(['phoreus-seqstats-1.1.0.rpm']);
    expect(staleMetaPackages([meta('1.3.0')], published).size).toBe(0);
    expect([...staleMetaPackages([meta('1.3.0'), meta('1.4.0')], published).keys()]).toEqual(['phoreus-seqstats-1.3.0.rpm']);
    expect(staleMetaPackages([{ ...meta('1.1.0'), meta: false, name: 'phoreus-seqstats-1.1.0' }], published).size).toBe(0);
  });
});

describe('signatures and secrets', () => {
  it('reads the signer key IDs rpm prints', () => {
    expect(signerKeyIds('RSA/SHA256, Tue Dec  1 19:06:37 2026, Key ID 3B08A4A3489D43E1\n(none)\n(none)\n')).toEqual(['3b08a4a3489d43e1']);
    expect(signerKeyIds('(none)\n(none)\n(none)\n(none)\n')).toEqual([]);
  });

  it('masks the passphrase, the armoured key whole and each of its armour lines, not its header', () => {
    const key = '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQVYBGV0ZXN0AQwAq1x2y3z4abcdefghij\nAbCdEfGhIjKlMnOpQrStUvWx\n=ab12\n-----END PGP PRIVATE KEY BLOCK-----\n';
    expect(signingSecrets(key, 'pass-phrase')).toEqual([key.trim(), 'lQVYBGV0ZXN0AQwAq1x2y3z4abcdefghij', 'AbCdEfGhIjKlMnOpQrStUvWx', 'pass-phrase']);
  });

  it('names the SBOM artifact after the RPM, with the interpreter', () => {
    expect(artifactFileName('/out/phoreus-seqstats-1.2.0-1.2.0-1.el9.x86_64.cdx.json', '3.11', 'el9')).toBe('phoreus-seqstats-1.2.0-1.2.0-1.el9.x86_64.py3.11.cdx.json');
  });
});

describe('SbomCheck (PH403)', () => {
  const PREFIX = '/usr/local/phoreus/seqstats/1.2.0';
  const SP = `${PREFIX}/venv/lib/python3.11/site-packages`;
  const entry = (path: string, text: string) => ({ name: path.slice(1), mode: 0o100644, data: Buffer.from(text) });
  const lock = `click==8.1.7 \\\n    --hash=sha256:${'b'.repeat(64)}\nnumpy==1.26.4 \\\n    --hash=sha256:${'a'.repeat(64)}\n`;
  const check = (sbom: string | undefined, installed: Array<[string, string]>) => {
    const c = new SbomCheck(PREFIX, SP, { interpreter: '3.11', arch: 'x86_64' });
    if (sbom !== undefined) c.see(entry(`${PREFIX}/sbom.cdx.json`, sbom));
    c.see(entry(`${PREFIX}/requirements.lock`, lock));
    for (const [name, version] of installed) c.see(entry(`${SP}/${name}-${version}.dist-info/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`));
    return c.finish();
  };
  const installed: Array<[string, string]> = [['click', '8.1.7'], ['numpy', '1.26.4'], ['seqstats', '1.2.0']];

  it('passes an SBOM that lists exactly what is installed, with the lock\'s hashes', () => {
    expect(check(renderSbom(INPUT), installed)).toEqual([]);
  });

  it('fails a missing SBOM, a distribution it leaves out or lists wrongly, and a hash the lock does not allow', () => {
    expect(check(undefined, installed).map((f) => f.message)).toEqual([expect.stringContaining('ships no SBOM')]);
    expect(check(renderSbom(INPUT), [...installed, ['extra', '1.0']]).map((f) => f.message)).toEqual([expect.stringContaining('extra 1.0 is installed but the SBOM does not list it')]);
    expect(check(renderSbom(INPUT), installed.filter(([n]) => n !== 'numpy')).map((f) => f.message)).toEqual([expect.stringContaining('the SBOM lists numpy 1.26.4, which is not installed')]);
    expect(check(renderSbom(INPUT), [['click', '8.1.8'], ['numpy', '1.26.4'], ['seqstats', '1.2.0']]).map((f) => f.message)).toEqual([expect.stringContaining('click 8.1.8 is installed but the SBOM says 8.1.7')]);
    const forged = renderSbom({ ...INPUT, distributions: INPUT.distributions.map((d) => (d.name === 'numpy' ? { ...d, sha256: 'f'.repeat(64) } : d)) });
    expect(check(forged, installed).map((f) => f.message)).toEqual([expect.stringContaining(`gives numpy 1.26.4 the sha256 ${'f'.repeat(64)}`)]);
    expect(check('{"bomFormat": "CycloneDX"}', installed).map((f) => f.rule)).toEqual(['PH403']);
  });
});
