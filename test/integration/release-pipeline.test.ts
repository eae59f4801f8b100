/**
 * The release pipeline with real tools: keys made by gpg; the CLI's build signing the audited
 * RPM and SRPM with rpmsign (rpmkeys verifies them against a temporary rpm database) without
 * changing the header digest or the payload; audit --require-signature passing for the release
 * key and failing for an unsigned or foreign-signed RPM; the CycloneDX SBOM, beside the RPM
 * and inside it, validated by the CycloneDX library's JSON schema validator and equal to the
 * lock's pins plus the application, and the audit failing a tampered one; publish into a
 * repository that createrepo_c's own reader lists, whose repomd.xml signature gpg verifies,
 * and which a second publish of the same release leaves byte for byte as it was.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPackages } from '../../src/publish/sign.js';
import { lockedPackages } from '../../src/checks/lockfile.js';
import { streamLog } from '../../src/core/log.js';
import { closeKeyring, openKeyring } from '../../src/tools/gpg.js';
import { normalizeName } from '../../src/requirements/pep508.js';
import { EPOCH, filesIn, helloToolIndex, lockHelloTool } from '../support/hello-tool.js';
import type { PackageIndex } from '../support/package-index.js';
import { isolatedEnv, run, runCli } from '../support/processes.js';
import { TestKeyring, type TestKey } from '../support/release-keys.js';
import { requiredCommand } from '../support/required-tools.js';
import { RpmCorpus } from '../support/rpm-corpus.js';
import { treeDigests } from '../support/tree-digests.js';

const PASSPHRASE = 'correct-horse-battery-9c1e';
const SBOM_IN_RPM = 'usr/local/phoreus/hello-tool/1.0.0/sbom.cdx.json';

interface Built {
  out: string;
  rpm: string;
  srpm: string;
  sbom: string;
  status: number;
  stdout: string;
  stderr: string;
}


/** The uncompressed cpio stream of an RPM's payload: what the package installs, as bytes. */
async function payload(rpm: string): Promise<Buffer> {
  const r = await run('bash', ['-c', `${requiredCommand('rpm2cpio', 'rpm2cpio')} "$1" | base64 -w0`, '-', rpm]);
  return Buffer.from(r.stdout, 'base64');
}

async function extract(rpm: string, path: string): Promise<string> {
  const r = await run('bash', ['-c', `${requiredCommand('rpm2cpio', 'rpm2cpio')} "$1" | ${requiredCommand('cpio', 'cpio')} -i --quiet --to-stdout "./$2"`, '-', rpm, path]);
  return r.stdout;
}

async function header(rpm: string, query: string): Promise<string> {
  return (await run(requiredCommand('rpm', 'rpm'), ['-qp', '--nosignature', '--qf', query, rpm])).stdout;
}

describe('release pipeline: signing, SBOM, and a repository that only grows', () => {
  let work: string;
  let index: PackageIndex;
  let keys: TestKeyring;
  let release: TestKey;
  let foreign: TestKey;
  let project: string;
  let signed: Built;
  let unsigned: Built;

  async function build(label: string, extra: string[], env: Record<string, string> = {}): Promise<Built> {
    const out = join(work, label);
    const r = await runCli(['build', '--project', project, '--interpreter', '3.11', '--distro', 'el9', '--out', out, '--index-url', index.url, '--no-smoke-test', ...extra],
      isolatedEnv({ SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: join(work, 'cache'), ...env }));
    const [rpm = '', srpm = ''] = [filesIn(out, /\.x86_64\.rpm$/)[0], filesIn(out, /\.src\.rpm$/)[0]];
    return { out, rpm, srpm, sbom: filesIn(out, /\.cdx\.json$/)[0] ?? '', ...r };
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-release-'));
    keys = new TestKeyring(work);
    release = await keys.generate('Release', 'ed25519', PASSPHRASE);
    foreign = await keys.generate('Foreign', 'rsa2048');
    index = await helloToolIndex(join(work, 'wheels'), ['3.11']);
    project = await lockHelloTool(work, index, '3.11');
    unsigned = await build('unsigned', []);
    signed = await build('signed', ['--sign-key', release.secret], { PHOREUS_SIGN_PASSPHRASE: PASSPHRASE });
  });

  afterAll(async () => {
    await keys?.close();
    await index?.close();
    rmSync(work, { recursive: true, force: true });
  });

  describe('signing', () => {
    it('signs the RPM and SRPM with the release key: rpmkeys verifies both against a temporary rpm database', async () => {
      expect(signed.status, signed.stderr).toBe(0);
      expect(signed.stderr).toContain('Sign the RPM and SRPM');
      const db = join(work, 'rpmdb');
      mkdirSync(db);
      expect((await run('rpm', ['--dbpath', db, '--initdb'])).status).toBe(0);
      expect((await run(requiredCommand('rpmkeys', 'rpm'), ['--dbpath', db, '--import', release.public])).status).toBe(0);
      for (const file of [signed.rpm, signed.srpm]) {
        const checked = await run(requiredCommand('rpmkeys', 'rpm'), ['--dbpath', db, '-K', file]);
        expect(checked.status, checked.stdout + checked.stderr).toBe(0);
        expect(checked.stdout).toContain('digests signatures OK');
      }
      const unsignedCheck = await run(requiredCommand('rpmkeys', 'rpm'), ['--dbpath', db, '-K', unsigned.rpm]);
      expect(unsignedCheck.stdout).not.toContain('signatures');
    });

    it('keeps the main header and the payload as they were: SHA256HEADER and the payload digest are those before signing', async () => {
      const query = '%{SHA256HEADER} %{PAYLOADDIGEST}';
      const dir = join(work, 'resign');
      mkdirSync(dir);
      const copies = [unsigned.rpm, unsigned.srpm].map((file) => {
        const copy = join(dir, basename(file));
        writeFileSync(copy, readFileSync(file));
        return copy;
      });
      const before = await Promise.all(copies.map((f) => header(f, query)));
      const keyring = await openKeyring(release.armoured, PASSPHRASE, 'the test key', streamLog(() => undefined));
      try {
        await signPackages(keyring, copies, streamLog(() => undefined));
      } finally {
        await closeKeyring(keyring);
      }
      expect(await Promise.all(copies.map((f) => header(f, query)))).toEqual(before);
      expect(await header(copies[0] ?? '', '%{RSAHEADER:pgpsig} %{DSAHEADER:pgpsig}')).toMatch(/Key ID/);
      // The payload of the build that signed is the unsigned build's too.
      expect(await header(signed.rpm, '%{PAYLOADDIGEST}')).toBe(await header(unsigned.rpm, '%{PAYLOADDIGEST}'));
      expect(await header(signed.rpm, '%{RSAHEADER:pgpsig} %{DSAHEADER:pgpsig}')).toMatch(new RegExp(`Key ID ${release.fingerprint.slice(-16).toLowerCase()}`));
      expect(await header(unsigned.rpm, '%{RSAHEADER:pgpsig}')).toBe('(none)');
    });

    it('audit --require-signature passes for the release key, fails for an unsigned or a foreign-signed RPM', async () => {
      const audit = (rpm: string): ReturnType<typeof runCli> => runCli(['audit', rpm, '--require-signature', '--key', release.public, '--format', 'json', '--no-smoke-test']);
      const good = await audit(signed.rpm);
      expect(good.status, good.stdout).toBe(0);

      const bare = await audit(unsigned.rpm);
      expect(bare.status).toBe(1);
      expect(JSON.parse(bare.stdout).findings.map((f: { rule: string }) => f.rule)).toEqual(['PH402']);
      expect(bare.stdout).toContain('is not signed');

      const copy = join(work, 'foreign', basename(unsigned.rpm));
      mkdirSync(join(work, 'foreign'));
      writeFileSync(copy, readFileSync(unsigned.rpm));
      await keys.rpmsign(foreign, [copy]);
      const other = await audit(copy);
      expect(other.status).toBe(1);
      const findings = JSON.parse(other.stdout).findings;
      expect(findings.map((f: { rule: string }) => f.rule)).toEqual(['PH402']);
      expect(findings[0].message).toContain(`signed by key ${foreign.fingerprint.slice(-16).toLowerCase()}`);
    });

    it('refuses a wrong passphrase before building anything, in one line, and --require-signature without --key', async () => {
      const wrong = await build('wrong-passphrase', ['--sign-key', release.secret], { PHOREUS_SIGN_PASSPHRASE: 'not-the-passphrase' });
      expect(wrong.status).toBe(2);
      expect(wrong.stderr.trim().split('\n').at(-1)).toMatch(/^phoreus-rpm: the signing key .* cannot sign: .*PHOREUS_SIGN_PASSPHRASE/);
      expect(wrong.stderr).not.toContain('Fetch the wheelhouse');
      expect(existsSync(join(wrong.out, 'build-report.json'))).toBe(false);
      const alone = await runCli(['audit', signed.rpm, '--require-signature']);
      expect(alone.status).toBe(2);
      expect(alone.stderr).toContain('--require-signature and --key PUBKEY go together');
    });

    it('never writes the key or its passphrase: not in the output, the report, the SBOM, the RPM or the SRPM, their payloads included', async () => {
      const armour = release.armoured.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
      const texts = [signed.stdout, signed.stderr, ...readdirSync(signed.out).map((f) => readFileSync(join(signed.out, f)).toString('latin1')),
        (await payload(signed.rpm)).toString('latin1'), (await payload(signed.srpm)).toString('latin1')];
      for (const text of texts) {
        expect(text).not.toContain(PASSPHRASE);
        for (const line of armour) expect(text).not.toContain(line);
      }
    });
  });

  describe('SBOM', () => {
    it('validates against CycloneDX 1.6 with the CycloneDX library\'s strict JSON validator', async () => {
      const text = readFileSync(signed.sbom, 'utf8');
      const errors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text);
      expect(errors).toBeNull();
    });

    it('is named after the RPM, ships inside it beside the lock unchanged, and is the same in both builds', async () => {
      expect(basename(signed.sbom)).toBe(basename(signed.rpm).replace(/\.rpm$/, '.cdx.json'));
      expect(await extract(signed.rpm, SBOM_IN_RPM)).toBe(readFileSync(signed.sbom, 'utf8'));
      expect(readFileSync(unsigned.sbom, 'utf8')).toBe(readFileSync(signed.sbom, 'utf8'));
    });

    it('lists exactly the lock\'s pins plus the application, each with a hash the lock allows, the interpreter module, and the RPM on top', () => {
      const sbom = JSON.parse(readFileSync(signed.sbom, 'utf8'));
      const pins = lockedPackages(readFileSync(join(project, 'requirements.lock'), 'utf8'), '3.11', 'x86_64');
      const pypi = sbom.components.filter((c: { purl: string }) => c.purl.startsWith('pkg:pypi/'));
      expect(pypi.map((c: { name: string; version: string }) => `${normalizeName(c.name)}==${c.version}`).sort())
        .toEqual([...pins.map((p) => `${normalizeName(p.name)}==${p.version}`), 'hello-tool==1.0.0'].sort());
      for (const pin of pins) {
        const c = pypi.find((x: { name: string }) => normalizeName(x.name) === normalizeName(pin.name));
        expect(c.purl).toBe(`pkg:pypi/${normalizeName(pin.name)}@${pin.version}`);
        expect(pin.hashes).toContain(c.hashes[0].content);
      }
      expect(sbom.components.find((c: { name: string }) => c.name === 'hello-tool').type).toBe('application');
      expect(sbom.components.find((c: { name: string }) => c.name === 'phoreus-python-3.11').type).toBe('platform');
      expect(sbom.metadata.component.purl).toBe('pkg:rpm/phoreus/phoreus-hello-tool-1.0.0@1.0.0-1.el9?arch=x86_64');
      expect(sbom.metadata.timestamp).toBe(new Date(Number(EPOCH) * 1000).toISOString().replace('.000Z', 'Z'));
      expect(sbom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('the audit fails an RPM whose SBOM lies about a version or a hash, or that ships none (PH403)', async () => {
      const corpus = new RpmCorpus(join(work, 'corpus'), unsigned.rpm, 'hello-tool', '1.0.0');
      await corpus.prepare();
      try {
        const sbomPath = `/${SBOM_IN_RPM}`;
        const cases: Array<[string, (text: string) => string | undefined, RegExp]> = [
          ['version', (t) => t.replace(/"version": "1\.0"/, '"version": "9.9"'), /installed but the SBOM says 9\.9/],
          ['hash', (t) => {
            const doc = JSON.parse(t);
            doc.components.find((c: { name: string }) => c.name === 'alpha').hashes[0].content = '0'.repeat(64);
            return JSON.stringify(doc, null, 2);
          }, /gives alpha 1\.0 the sha256 0{64}, which requirements\.lock does not allow/],
          ['none', () => undefined, /ships no SBOM/],
        ];
        for (const [label, change, message] of cases) {
          const rpm = await corpus.make(`sbom-${label}`, (tree) => {
            const text = change(tree.read(sbomPath));
            if (text === undefined) tree.remove(sbomPath);
            else tree.write(sbomPath, text);
          });
          const r = await runCli(['audit', rpm, '--format', 'json', '--no-smoke-test']);
          const findings = JSON.parse(r.stdout).findings as Array<{ rule: string; message: string }>;
          expect(findings.map((f) => f.rule), label).toContain('PH403');
          expect(findings.filter((f) => f.rule === 'PH403').map((f) => f.message).join('\n'), label).toMatch(message);
        }
      } finally {
        corpus.cleanup();
      }
    });
  });

  describe('publish', () => {
    const repo = (): string => join(work, 'site', 'phoreus', 'el9');

    async function listed(dir: string): Promise<string[]> {
      // createrepo_c's own reader (python3-createrepo-c), not this tool's.
      const script = 'import createrepo_c as cr, sys\npkgs=[]\ndef add(p):\n    pkgs.append(f"{p.name}-{p.version}-{p.release}.{p.arch}")\nmd = cr.RepositoryReader.from_path(sys.argv[1]) if hasattr(cr, "RepositoryReader") else None\nif md is None:\n    m = cr.Metadata(); m.locate_and_load_xml(sys.argv[1]); [add(m.get(k)) for k in m.keys()]\nelse:\n    [add(p) for p in md.iter_packages()]\nprint("\\n".join(sorted(pkgs)))';
      const r = await run('/usr/bin/python3', ['-c', script, dir]);
      if (r.status !== 0) throw new Error(`createrepo_c's reader failed (apt-get install -y python3-createrepo-c): ${r.stderr}`);
      return r.stdout.trim().split('\n').filter(Boolean);
    }

    it('adds the signed RPM and SRPM to a new repository that createrepo_c lists, with repomd.xml signed by the release key', async () => {
      const r = await runCli(['publish', '--repo', repo(), '--sign-key', release.secret, signed.rpm, signed.srpm], isolatedEnv({ PHOREUS_SIGN_PASSPHRASE: PASSPHRASE }));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`added: Packages/${basename(signed.rpm)}`);
      expect(await listed(repo())).toEqual(['phoreus-hello-tool-1.0.0-1.0.0-1.el9.src', 'phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64']);
      const verified = await run(requiredCommand('gpgv', 'gpgv'), ['--keyring', await dearmoured(release.public), join(repo(), 'repodata', 'repomd.xml.asc'), join(repo(), 'repodata', 'repomd.xml')]);
      expect(verified.status, verified.stderr).toBe(0);
      expect(readdirSync(join(work, 'site', 'phoreus')), 'no staging directory left beside the repository').toEqual(['el9']);
      expect(statSync(repo()).mode & 0o777).toBe(0o755);
      for (const text of [r.stdout, r.stderr, ...Object.keys(treeDigests(repo())).map((f) => readFileSync(join(repo(), f)).toString('latin1'))]) expect(text).not.toContain(PASSPHRASE);
    });

    it('refuses the same release again (PH401) and leaves every file of the repository byte for byte as it was', async () => {
      const before = treeDigests(repo());
      const r = await runCli(['publish', '--repo', repo(), '--sign-key', release.secret, '--format', 'json', unsigned.rpm], isolatedEnv({ PHOREUS_SIGN_PASSPHRASE: PASSPHRASE }));
      expect(r.status).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(report.findings.map((f: { rule: string }) => f.rule)).toEqual(['PH401']);
      expect(report.findings[0].message).toContain('phoreus-hello-tool-1.0.0-1.0.0-1.el9.x86_64 is already published');
      expect(treeDigests(repo())).toEqual(before);
      expect(readdirSync(join(work, 'site', 'phoreus'))).toEqual(['el9']);
    });

    it('refuses to add to a signed repository without the key, leaving it as it was', async () => {
      const before = treeDigests(repo());
      const r = await runCli(['publish', '--repo', repo(), unsigned.srpm]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toMatch(/repomd\.xml is signed \(repomd\.xml\.asc\): give the signing key/);
      expect(treeDigests(repo())).toEqual(before);
    });

    /** gpgv reads a binary keyring: the public key, dearmoured. */
    async function dearmoured(pub: string): Promise<string> {
      const target = `${pub}.gpg`;
      if (!existsSync(target)) {
        const r = await run(requiredCommand('gpg', 'gnupg'), ['--batch', '--yes', '--homedir', keys.home, '--dearmor', '--output', target, pub]);
        if (r.status !== 0) throw new Error(r.stderr);
      }
      return target;
    }
  });
});
