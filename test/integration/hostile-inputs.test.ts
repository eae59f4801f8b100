/**
 * Hostile project inputs against the real CLI and the bundled action: values that would
 * inject into the spec, the modulefile or the runner's log (classes 1 and 7), files that
 * lead outside the project (class 5), and lock lines pip-compile never writes (class 9).
 * Each is refused with one clear line or rendered inert; no marker is ever created.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPOCH, helloToolIndex, lockHelloTool } from '../support/hello-tool.js';
import { action, cli, copyOf, expectRefusal, everything, outputs } from '../support/hostile.js';
import type { PackageIndex } from '../support/package-index.js';
import { run } from '../support/processes.js';

describe('hostile project inputs', () => {
  let work: string;
  let index: PackageIndex;
  let locked: string;
  let marker: string;

  const project = (): string => copyOf(locked, work);
  const build = (dir: string, ...extra: string[]) => cli(work, ['build', '--project', dir, '--interpreter', '3.11', '--distro', 'el9', '--out', join(dir, 'out'), '--index-url', index.url, '--no-smoke-test', ...extra], { SOURCE_DATE_EPOCH: EPOCH, PHOREUS_RPM_CACHE: join(work, 'cache') });
  const verify = (dir: string, ...extra: string[]) => cli(work, ['verify', '--project', dir, '--interpreter', '3.11', '--offline', ...extra]);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-hostile-inputs-'));
    marker = join(work, 'MARKER');
    index = await helloToolIndex(join(work, 'wheels'), ['3.11']);
    locked = await lockHelloTool(work, index, '3.11');
  });

  afterAll(async () => {
    await index?.close();
    rmSync(work, { recursive: true, force: true });
  });

  describe('class 1: spec, macro and Lua injection', () => {
    it.each([
      ['--release', `1%{lua: os.execute("touch MARKER")}`, /release \(--release, the release input\) ".*" is not safe/],
      ['--release', '1\nRequires: evil', /release .* is not safe/],
      ['--release', '1\n%post\ntouch MARKER', /release .* is not safe/],
      ['--interpreter-home', '/usr/local/x$(touch MARKER)/{python}', /interpreter home .* is not safe: use an absolute, normalised path/],
      ['--interpreter-home', '/usr/local/../../etc/{python}', /interpreter home .* is not safe/],
      ['--interpreter-module', 'phoreus-python-{python}\nRequires: evil', /interpreter module .* is not safe/],
      ['--interpreter-module', '../../../tmp/evil', /interpreter module .* is not safe/],
    ])('refuses %s %j before anything is built', async (flag, value, says) => {
      const dir = project();
      const r = await build(dir, flag, value.replace('MARKER', marker));
      expectRefusal(r, 2, says);
      expect(outputs(join(dir, 'out'))).toEqual([]);
      expect(existsSync(marker)).toBe(false);
    });

    it.each([
      ['tool.release', 'tool:\n  release: "1\\n%post\\ntouch MARKER"\n', 2],
      ['policy.interpreter-home', 'policy:\n  interpreter-home: "/opt/$(touch MARKER)/{python}"\n', 2],
      ['policy.interpreter-module', 'policy:\n  interpreter-module: "%{lua: os.execute(\'touch MARKER\')}"\n', 2],
      ['tool.url', 'tool:\n  url: "https://example.org/x\\nRequires: evil"\n', 2],
      ['module.env', 'module:\n  env:\n    GREETING: "hi\\n/tmp/payload"\n', 3],
    ])('reports an unsafe %s in phoreus.yaml at its line (PH113), and builds nothing', async (key, yaml, line) => {
      const dir = project();
      writeFileSync(join(dir, 'phoreus.yaml'), yaml.replace('MARKER', marker));
      const r = await build(dir);
      expect(r.status, r.stderr).toBe(1);
      const report = JSON.parse(readFileSync(join(dir, 'out', 'build-report.json'), 'utf8'));
      expect(report.findings.map((f: { rule: string; file: string; line: number }) => [f.rule, f.file, f.line])).toContainEqual(['PH113', 'phoreus.yaml', line]);
      expect(report.findings.find((f: { rule: string }) => f.rule === 'PH113').message).toContain(key.split('.')[1]);
      expect(outputs(join(dir, 'out'))).toEqual(['build-report.json']);
      expect(existsSync(marker)).toBe(false);
      expect(r.leftovers).toEqual([]);
    });

    it('refuses an unsafe release input in the action, uploading nothing', async () => {
      const dir = project();
      const r = await action(work, { mode: 'build', project: dir, interpreter: '3.11', release: `1%{lua: os.execute("touch ${marker}")}`, 'index-url': index.url, cache: 'false' }, dir, { PHOREUS_RPM_CACHE: join(work, 'cache') });
      expect(r.status).not.toBe(0);
      const errors = r.annotations.filter((a) => a.command === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toMatch(/^release \(--release, the release input\) ".*" is not safe/);
      expect(r.outputs.rpm).toBeUndefined();
      expect(r.outputs['artifact-ids']).toBeUndefined();
      expect(existsSync(marker)).toBe(false);
      expect(r.leftovers).toEqual([]);
    });

    describe('free text that reaches the spec and the modulefile', () => {
      let dir: string;
      let rpm: string;

      beforeAll(async () => {
        dir = project();
        writeFileSync(join(dir, 'phoreus.yaml'), [
          'tool:',
          `  summary: "Says hello %{lua: os.execute('touch ${marker}')}\\n%post\\ntouch ${marker}"`,
          `  license: "MIT\\nRequires: evil-package\\n%(touch ${marker})"`,
          'module:',
          `  help: "]] os.execute('touch ${marker}') --[[ \\"); os.execute('touch ${marker}') --"`,
          '  whatis:',
          `    - "Name: $(touch ${marker})"`,
          '',
        ].join('\n'));
        const r = await build(dir);
        expect(r.status, r.stderr).toBe(0);
        rpm = JSON.parse(readFileSync(join(dir, 'out', 'build-report.json'), 'utf8')).artifacts.rpm;
      });

      it('ships the summary and licence as literal text, with no scriptlet and only the two requires', async () => {
        const q = await run('rpm', ['-qp', '--qf', '%{SUMMARY}\\n%{LICENSE}\\n', rpm]);
        expect(q.stdout).toBe(`Says hello %{lua: os.execute('touch ${marker}')} %post touch ${marker}\nMIT Requires: evil-package %(touch ${marker})\n`);
        expect((await run('rpm', ['-qp', '--scripts', '--triggers', rpm])).stdout.trim()).toBe('');
        const requires = (await run('rpm', ['-qp', '--requires', rpm])).stdout.trim().split('\n').filter((l) => !l.startsWith('rpmlib('));
        expect(requires).toEqual(['phoreus', 'phoreus-python-3.11']);
      });

      it('writes a modulefile Lmod loads that runs nothing of the help or whatis text', async () => {
        const modules = join(work, 'lmod-free-text');
        mkdirSync(join(modules, 'hello-tool'), { recursive: true });
        cpSync(join(dir, 'out', 'hello-tool-1.0.0.lua'), join(modules, 'hello-tool', '1.0.0.lua'));
        writeFileSync(join(modules, 'phoreus-python-3.11.lua'), 'whatis("stand-in")\n');
        const r = await run('bash', ['-c', `source /usr/share/lmod/lmod/init/bash; export MODULEPATH=${modules}; module load hello-tool/1.0.0 && module help hello-tool/1.0.0 2>&1 && module whatis hello-tool/1.0.0 2>&1 && echo "VIRTUAL_ENV=$VIRTUAL_ENV"`]);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toContain('VIRTUAL_ENV=/usr/local/phoreus/hello-tool/1.0.0/venv');
        expect(existsSync(marker)).toBe(false);
      });
    });
  });

  describe('class 5: reading outside the project', () => {
    it('refuses a phoreus.yaml that is a symlink to /proc/self/environ, printing none of the environment', async () => {
      const dir = project();
      symlinkSync('/proc/self/environ', join(dir, 'phoreus.yaml'));
      const r = await cli(work, ['verify', '--project', dir, '--interpreter', '3.11', '--offline'], { CANARY_SECRET: 'canary-5d41402abc4b' });
      expectRefusal(r, 2, /phoreus\.yaml leads outside .* inputs are read from the project only/);
      expect(everything(r)).not.toContain('canary-5d41402abc4b');
    });

    it('refuses a lock that is a symlink to /etc/passwd', async () => {
      const dir = project();
      unlinkSync(join(dir, 'requirements.lock'));
      symlinkSync('/etc/passwd', join(dir, 'requirements.lock'));
      const r = await verify(dir);
      expectRefusal(r, 2, /requirements\.lock leads outside/);
      expect(everything(r)).not.toMatch(/root:x:0/);
    });

    it('reports a requirements.in line that includes a file outside the project (PH107), reading nothing of it', async () => {
      const dir = project();
      writeFileSync(join(dir, 'requirements.in'), `${readFileSync(join(dir, 'requirements.in'), 'utf8')}-r ../../../../../../etc/passwd\n`);
      const r = await verify(dir, '--format', 'json');
      expect(r.status).toBe(1);
      const findings = JSON.parse(r.stdout).findings;
      expect(findings.map((f: { rule: string }) => f.rule)).toContain('PH107');
      expect(everything(r)).not.toMatch(/root:x:0/);
    });

    it('reports a lock path outside the project in phoreus.yaml (PH113)', async () => {
      const dir = project();
      writeFileSync(join(dir, 'phoreus.yaml'), 'lock: ../../../../etc/passwd\n');
      const r = await verify(dir, '--format', 'json');
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout).findings.map((f: { rule: string; line: number }) => [f.rule, f.line])).toContainEqual(['PH113', 1]);
      expect(everything(r)).not.toMatch(/root:x:0/);
    });

    it('refuses a --config outside both the project and the directory the run started in', async () => {
      const dir = project();
      const elsewhere = mkdtempSync(join(tmpdir(), 'phoreus-hostile-config-'));
      try {
        writeFileSync(join(elsewhere, 'phoreus.yaml'), 'tool:\n  license: MIT\n');
        const r = await cli(work, ['verify', '--project', dir, '--offline', '--config', join(elsewhere, 'phoreus.yaml')], {}, dir);
        expectRefusal(r, 2, /leads outside/);
      } finally {
        rmSync(elsewhere, { recursive: true, force: true });
      }
    });

    it('refuses to build an application whose tree holds a symlink out of the project', async () => {
      const dir = project();
      symlinkSync('/etc/hostname', join(dir, 'hello_tool', 'data.txt'));
      const r = await build(dir);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/build stopped: hello_tool\/data\.txt is a symlink to \/etc\/hostname, outside the project/);
      expect(outputs(join(dir, 'out'))).toEqual(['build-report.json']);
      expect(r.leftovers).toEqual([]);
    });
  });

  describe('class 7: text that would drive the runner or the terminal', () => {
    it('makes forged workflow commands in phoreus.yaml keys inert in the action', async () => {
      const dir = project();
      writeFileSync(join(dir, 'phoreus.yaml'), '"::error file=forged.txt::forged annotation": 1\n"::add-mask::leaked": 2\n"<img src=x onerror=alert(1)>": 3\n');
      const r = await action(work, { mode: 'verify', project: '.', interpreter: '3.11', offline: 'true' }, dir);
      expect(r.status).not.toBe(0);
      expect(r.annotations.filter((a) => a.properties.title?.startsWith('PH113'))).toHaveLength(3);
      expect(r.annotations.every((a) => a.properties.title?.startsWith('PH') || a.message.includes('error finding'))).toBe(true);
      expect(r.annotations.some((a) => a.properties.file === 'forged.txt')).toBe(false);
      expect(r.masks).not.toContain('leaked');
      expect(r.stdout).not.toMatch(/^\s*::(error file=forged|add-mask::leaked)/m);
      expect(r.summary).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(r.summary).not.toContain('<img src=x');
      expect(r.leftovers).toEqual([]);
    });

    it('drops terminal escapes and keeps commands inert when a lock line quotes them', async () => {
      const dir = project();
      const lock = readFileSync(join(dir, 'requirements.lock'), 'utf8');
      writeFileSync(join(dir, 'requirements.lock'), `${lock}::stop-commands::pwned\n\x1b]0;owned\x07\x1b[2J==1 --hash=sha256:zz\n`);
      const text = await verify(dir);
      expect(text.status).toBe(1);
      // eslint-disable-next-line no-control-regex -- the escapes are what must be absent
      expect(everything(text)).not.toMatch(/\x1b|\x07/);
      const r = await action(work, { mode: 'verify', project: '.', interpreter: '3.11', offline: 'true' }, dir);
      expect(r.commands.some((c) => c.command === 'stop-commands')).toBe(false);
      expect(r.stdout).not.toMatch(/^\s*::stop-commands::/m);
      // eslint-disable-next-line no-control-regex -- the escapes are what must be absent
      expect(r.stdout).not.toMatch(/\x1b/);
    });
  });

  describe('class 9: lock lines pip-compile never writes', () => {
    it.each(['-r extra-requirements.txt', '--requirement=extra-requirements.txt', '-c constraints.txt', '--constraint constraints.txt', '--pre', 'alpha==1.0 --global-option=--evil'])('reports %j (PH106) and fails verify', async (line) => {
      const dir = project();
      writeFileSync(join(dir, 'extra-requirements.txt'), 'requests\n');
      writeFileSync(join(dir, 'constraints.txt'), 'alpha<2\n');
      writeFileSync(join(dir, 'requirements.lock'), `${readFileSync(join(dir, 'requirements.lock'), 'utf8')}${line}\n`);
      const r = await verify(dir, '--format', 'json');
      expect(r.status).toBe(1);
      const findings = JSON.parse(r.stdout).findings as Array<{ rule: string; message: string }>;
      expect(findings.some((f) => f.rule === 'PH106' && /pip-compile never writes --[a-z-]+ into a lock/.test(f.message))).toBe(true);
      expect(r.leftovers).toEqual([]);
    });
  });
});
