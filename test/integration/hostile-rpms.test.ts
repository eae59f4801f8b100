/**
 * Auditing RPMs from anywhere (class 2), payload modes (class 6) and the audit's memory on
 * a huge payload (class 10): the real CLI on RPMs built by rpmbuild and on RPMs whose
 * payload was written here, as root with the smoke test on. Nothing is ever written outside
 * the scratch root; a payload judged unsound is never installed; memory stays bounded.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpioReader } from '../../src/audit/cpio.js';
import { payloadExtractor, smokeTest } from '../../src/audit/smoke-test.js';
import { streamLog } from '../../src/core/log.js';
import { newc, payloadEntries, S_IFLNK, S_IFREG } from '../support/craft-rpm.js';
import { EPOCH, lockHelloTool, type BuiltTool } from '../support/hello-tool.js';
import { cli, expectRefusal, outputs } from '../support/hostile.js';
import type { PackageIndex } from '../support/package-index.js';
import { CLI, isolatedEnv, run } from '../support/processes.js';
import { requiredCommand } from '../support/required-tools.js';
import { helloToolCorpus, type HelloToolCorpus, type RpmCorpus } from '../support/rpm-corpus.js';

const VENV = 'usr/local/phoreus/hello-tool/1.0.0/venv';

describe('hostile RPMs given to audit', () => {
  let work: string;
  let fixture: HelloToolCorpus;
  let index: PackageIndex;
  let built: BuiltTool;
  let corpus: RpmCorpus;

  const audit = (rpm: string, ...extra: string[]) => cli(work, ['audit', rpm, '--interpreter', '3.11', '--distro', 'el9', '--format', 'json', ...extra]);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-hostile-rpms-'));
    fixture = await helloToolCorpus(work);
    ({ index, built, corpus } = fixture);
  });

  afterAll(async () => {
    await fixture?.close();
    rmSync(work, { recursive: true, force: true });
  });

  describe('class 2: an untrusted RPM', () => {
    it('passes the good RPM with its smoke test as root, the baseline of every case here', async () => {
      const r = await audit(built.rpm, '--smoke-test');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Smoke test passed/);
      expect(r.leftovers).toEqual([]);
      // The report says what ran: the tool's own console script, taken from its entry points.
      expect(JSON.parse(r.stdout).smokeTest).toEqual({ command: 'hello-tool --version || hello-tool --help', what: 'the console script hello-tool', passed: true });
    });

    it('does not install a payload with a file outside the prefix, even in a namespace (PH301, no smoke test)', async () => {
      const outside = `/var/tmp/phoreus-hostile-${process.pid}`;
      const rpm = await corpus.make('outside', (t) => t.write(outside.slice(1), 'planted\n'), { files: [outside] });
      const r = await audit(rpm, '--smoke-test');
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout).findings.map((f: { rule: string; file: string }) => `${f.rule} ${f.file}`)).toContain(`PH301 ${outside}`);
      expect(r.stderr).toMatch(/No smoke test: the audit found \d+ error\(s\), so the payload is not installed/);
      expect(existsSync(outside)).toBe(false);
      expect(r.leftovers).toEqual([]);
    });

    it('gives the same verdict through rpm2cpio when the compressor\'s own tool is not installed', async () => {
      // A PATH with rpm and rpm2cpio only: no zstd to read the payload with.
      const bin = mkdtempSync(join(work, 'bin-'));
      for (const [tool, pkg] of [['rpm', 'rpm'], ['rpm2cpio', 'rpm2cpio']] as const) symlinkSync(requiredCommand(tool, pkg), join(bin, tool));
      const rpm = await corpus.make('fallback', (t) => t.write(`${VENV}/bin/stray`, '#!/usr/bin/env python3\n'));
      const direct = await audit(rpm);
      const viaRpm2cpio = await cli(work, ['audit', rpm, '--interpreter', '3.11', '--distro', 'el9', '--format', 'json'], { PATH: bin });
      expect(direct.status).toBe(1);
      expect(viaRpm2cpio.status, viaRpm2cpio.stderr).toBe(1);
      const verdict = (r: { stdout: string }) => { const { findings, files, bytes } = JSON.parse(r.stdout); return { findings, files, bytes }; };
      expect(verdict(viaRpm2cpio)).toEqual(verdict(direct));
      expect(verdict(direct).findings.map((f: { rule: string }) => f.rule)).toContain('PH304');
    });

    it('refuses with one line a payload whose entries its header does not list', async () => {
      const bytes = readFileSync(built.rpm);
      const forged = join(work, 'forged-payload.rpm');
      // The same header, and a payload of the right compressor that holds other entries.
      const zstd = await run('sh', ['-c', 'head -c 1000 /dev/zero | zstd -q -c']);
      writeFileSync(forged, Buffer.concat([bytes.subarray(0, bytes.length - 64), Buffer.from(zstd.stdout, 'latin1')]));
      const r = await audit(forged, '--smoke-test');
      expectRefusal(r, 1, /could not read the payload of .*forged-payload\.rpm: it is damaged or holds entries its header does not list/);
      expect(outputs(join(work, 'nothing'))).toEqual([]);
    });

    it.each([
      ['--interpreter-module', '../../../../tmp/phoreus-hostile-module', /interpreter module .* is not safe/],
      ['--interpreter-module', 'x")\nos.execute("touch /tmp/phoreus-hostile-lua")\n--', /interpreter module .* is not safe/],
      ['--interpreter-home', '/usr/local/x y/{python}', /interpreter home .* is not safe/],
    ])('refuses %s %j before reading the RPM', async (flag, value, says) => {
      const r = await audit(built.rpm, '--smoke-test', flag, value);
      expectRefusal(r, 2, says);
      expect(existsSync('/tmp/phoreus-hostile-module.lua')).toBe(false);
      expect(existsSync('/tmp/phoreus-hostile-lua')).toBe(false);
    });

    it('never hands a payload\'s tool name to Lmod or a shell unless it is a plain name', async () => {
      const findings = await smokeTest({
        rpm: built.rpm, tool: 'x$(touch /tmp/phoreus-hostile-name)', version: '1.0', interpreter: '3.11',
        interpreterHome: '/usr/local/phoreus/python/3.11', interpreterModule: 'phoreus-python-3.11',
      }, streamLog(() => undefined));
      expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/smoke test not run: the payload's tool name or version is not a plain name/)]);
      expect(existsSync('/tmp/phoreus-hostile-name')).toBe(false);
    });

    it('runs the smoke command as nobody, without network, whatever the payload does', async () => {
      const r = await audit(built.rpm, '--smoke-test', '--smoke-command', 'id -u && (cat /etc/shadow >/dev/null 2>&1 && echo shadow-readable || echo shadow-denied) && (python -c "import socket; socket.create_connection((\'127.0.0.1\', 9), 1)" 2>/dev/null && echo net || echo no-net)');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Smoke test passed: 65534 \| shadow-denied \| no-net/);
    });
  });

  describe('class 2: the smoke test takes a payload apart itself', () => {
    /** Extracts a crafted archive with the smoke test's own extractor; returns what it threw, if anything. */
    function extract(entries: Parameters<typeof newc>[0]): { root: string; error?: Error } {
      const root = mkdtempSync(join(work, 'root-'));
      try {
        new CpioReader(payloadExtractor(root)).push(newc(entries));
        return { root };
      } catch (error) {
        return { root, error: error as Error };
      }
    }

    it.each([
      ['a "../" name', (target: string) => `./usr/local/phoreus/hello-tool/1.0.0/../../../../..${target}`],
      ['an absolute name', (target: string) => target],
      ['a name outside the phoreus tree', (target: string) => `./etc/${target.split('/').pop() ?? ''}`],
    ])('writes nothing for %s, there or anywhere outside the tree', (what, name) => {
      const target = join(work, `escaped-${what.replace(/\W+/g, '-')}`);
      const { root, error } = extract([...payloadEntries(built.rpm), { name: name(target), mode: S_IFREG | 0o644, data: 'planted\n' }]);
      expect(error).toBeUndefined();
      expect(existsSync(target)).toBe(false);
      expect(existsSync(join(root, 'etc'))).toBe(false);
      expect(existsSync(join(root, VENV, 'bin', 'hello-tool'))).toBe(true);
    });

    it('refuses a file written through the payload\'s own symlink, writing nothing where it points', () => {
      const aim = mkdtempSync(join(work, 'aim-'));
      const { error } = extract([
        { name: `./${VENV}/share/evil`, mode: S_IFLNK | 0o777, data: aim },
        { name: `./${VENV}/share/evil/pwned`, mode: S_IFREG | 0o644, data: 'planted\n' },
      ]);
      expect(error?.message).toMatch(/would be written through the symlink usr\/local\/phoreus\/hello-tool\/1\.0\.0\/venv\/share\/evil/);
      expect(existsSync(join(aim, 'pwned'))).toBe(false);
    });

    it('refuses a file written twice, and a file over a symlink', () => {
      const twice = extract([{ name: `./${VENV}/x`, mode: S_IFREG | 0o644, data: 'one' }, { name: `./${VENV}/x`, mode: S_IFREG | 0o644, data: 'two' }]);
      expect((twice.error as NodeJS.ErrnoException | undefined)?.code).toBe('EEXIST');
      expect(readFileSync(join(twice.root, VENV, 'x'), 'utf8')).toBe('one');
      const over = extract([{ name: `./${VENV}/y`, mode: S_IFLNK | 0o777, data: '/etc/passwd' }, { name: `./${VENV}/y`, mode: S_IFREG | 0o644, data: 'overwrite' }]);
      expect((over.error as NodeJS.ErrnoException | undefined)?.code).toBe('EEXIST');
    });

    it('gives extracted files plain modes, whatever the archive says', () => {
      const { root } = extract([{ name: `./${VENV}/bin/suid`, mode: S_IFREG | 0o4777, data: '#!/bin/sh\n' }, { name: `./${VENV}/data`, mode: S_IFREG | 0o666, data: 'x' }]);
      expect(statSync(join(root, VENV, 'bin', 'suid')).mode & 0o7777).toBe(0o755);
      expect(statSync(join(root, VENV, 'data')).mode & 0o7777).toBe(0o644);
    });
  });

  describe('class 6: modes', () => {
    it('reports a setuid file and a world-writable directory as the header lists them (PH315)', async () => {
      const rpm = await corpus.make('modes', (t) => {
        chmodSync(t.path(`${VENV}/bin/hello-tool`), 0o4755);
        chmodSync(t.path(`${VENV}/lib/python3.11/site-packages/alpha`), 0o777);
      });
      const r = await audit(rpm);
      expect(r.status).toBe(1);
      expect((JSON.parse(r.stdout).findings as Array<{ rule: string; file: string }>).filter((f) => f.rule === 'PH315').map((f) => f.file).sort()).toEqual([
        `/${VENV}/bin/hello-tool`, `/${VENV}/lib/python3.11/site-packages/alpha`,
      ]);
    });

    it('ships copyFiles with plain modes whatever modes the project gave them', async () => {
      mkdirSync(join(work, 'modes-project'));
      const project = await lockHelloTool(join(work, 'modes-project'), index, '3.11');
      mkdirSync(join(project, 'extras'));
      writeFileSync(join(project, 'extras', 'tool-helper'), '#!/bin/sh\necho helper\n');
      chmodSync(join(project, 'extras', 'tool-helper'), 0o4777);
      mkdirSync(join(project, 'extras', 'shared'));
      writeFileSync(join(project, 'extras', 'shared', 'data.txt'), 'data\n');
      chmodSync(join(project, 'extras', 'shared'), 0o1777);
      chmodSync(join(project, 'extras', 'shared', 'data.txt'), 0o666);
      writeFileSync(join(project, 'phoreus.yaml'), 'packages:\n  platformSpecific:\n    linux-x64:\n      copyFiles:\n        - from: extras/tool-helper\n          to: bin/\n        - from: extras/shared\n          to: share/shared\n');
      const out = join(work, 'modes-out');
      const r = await cli(work, ['build', '--project', project, '--interpreter', '3.11', '--out', out, '--index-url', index.url, '--no-smoke-test'], { SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: join(work, 'cache') });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      const rpm = JSON.parse(readFileSync(join(out, 'build-report.json'), 'utf8')).artifacts.rpm as string;
      const modes = (await run('rpm', ['-qp', '--qf', '[%{FILEMODES:octal} %{FILENAMES}\\n]', rpm])).stdout;
      expect(modes).toContain(`100755 /${VENV}/bin/tool-helper`);
      expect(modes).toContain(`40755 /${VENV}/share/shared`);
      expect(modes).toContain(`100644 /${VENV}/share/shared/data.txt`);
      for (const line of modes.trim().split('\n')) {
        const mode = Number.parseInt(line.split(' ')[0] ?? '0', 8);
        if ((mode & 0o170000) !== 0o120000) expect(mode & 0o7022, line).toBe(0);
      }
    });
  });

  describe('class 10: the audit of a huge payload', () => {
    let huge: Promise<string> | undefined;
    /** 2 GiB of files, one of them ELF, in an RPM of a few megabytes. */
    const hugeRpm = (): Promise<string> => {
      huge ??= corpus.make('huge', (t) => {
        mkdirSync(t.path(`${VENV}/share`), { recursive: true });
        for (const [name, elf] of [['big.bin', false], ['big.so', true]] as const) {
          const fd = openSync(t.path(`${VENV}/share/${name}`), 'w');
          if (elf) writeSync(fd, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...Array<number>(56).fill(0)]));
          closeSync(fd);
          const size = 1024 * 1024 * 1024;
          // A sparse file: rpmbuild reads 1 GiB of zeros, which zstd packs into a few kilobytes.
          const again = openSync(t.path(`${VENV}/share/${name}`), 'r+');
          writeSync(again, Buffer.alloc(1), 0, 1, size - 1);
          closeSync(again);
        }
      });
      return huge;
    };

    it('audits an RPM holding 2 GiB of files, one of them ELF, in at most 256 MiB of memory', async () => {
      const rpm = await hugeRpm();
      expect(readFileSync(rpm).length).toBeLessThan(64 * 1024 * 1024);
      const tmp = mkdtempSync(join(work, 'tmp-'));
      const r = await run('/usr/bin/time', ['-f', 'maxrss-kb=%M', process.execPath, CLI, 'audit', rpm, '--interpreter', '3.11', '--format', 'json', '--no-smoke-test'], { env: isolatedEnv({ TMPDIR: tmp }) });
      const report = JSON.parse(r.stdout);
      expect(report.bytes).toBeGreaterThan(2 * 1024 * 1024 * 1024);
      const kb = Number(/maxrss-kb=(\d+)/.exec(r.stderr)?.[1]);
      expect(kb).toBeGreaterThan(0);
      expect(kb).toBeLessThanOrEqual(256 * 1024);
      expect(outputs(tmp)).toEqual([]);
      process.stdout.write(`audit of a ${(report.bytes / 1073741824).toFixed(2)} GiB payload: peak resident memory ${(kb / 1024).toFixed(0)} MiB\n`);
    });

    it('refuses in one line a payload that would fill the file system of TMPDIR, and leaves nothing there', async () => {
      const rpm = await hugeRpm();
      const tmp = mkdtempSync(join(work, 'small-tmp-'));
      const listing = join(work, 'small-tmp-listing');
      // A 192 MiB file system of its own, in a mount namespace of its own: what the audit left in it is listed before it goes.
      const script = 'mount -t tmpfs -o size=192m,mode=1777 tmpfs "$1" || exit 99; TMPDIR="$1" "$2" "$3" audit "$4" --interpreter 3.11 --no-smoke-test; status=$?; ls -A "$1" > "$5"; exit $status';
      const r = await run(requiredCommand('unshare', 'util-linux'), ['--mount', 'sh', '-c', script, 'sh', tmp, process.execPath, CLI, rpm, listing], { env: isolatedEnv() });
      expect(r.status, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(/^phoreus-rpm: the payload of .*\.rpm grew to \d+ MiB decompressed, past the room in the file system of .*small-tmp-.* \(128 MiB stay free\): free space there, or point TMPDIR at a larger one$/);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at |Error: /);
      expect(r.stdout).toBe('');
      expect(readFileSync(listing, 'utf8')).toBe('');
    });
  });
});
