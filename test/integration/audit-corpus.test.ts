/**
 * The audit against a corpus of RPMs that each break exactly one rule: every one is built
 * here by rpmbuild from the payload of a real build, changed in one way, and the audit must
 * fire exactly that rule, naming the file. The build's own RPM audits clean.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import type { BuiltTool } from '../support/hello-tool.js';
import { pythonPath, run, runCli } from '../support/processes.js';
import { helloToolCorpus, type HelloToolCorpus, type RpmCorpus, type SpecChanges, type Tree } from '../support/rpm-corpus.js';
import { requiredCommand } from '../support/required-tools.js';

const VENV = 'usr/local/phoreus/hello-tool/1.0.0/venv';
const SP = `${VENV}/lib/python3.11/site-packages`;
const MODULEFILE = 'usr/local/phoreus/modulefiles/hello-tool/1.0.0.lua';

async function gcc(args: string[]): Promise<void> {
  const r = await run(requiredCommand('gcc', 'gcc'), args);
  if (r.status !== 0) throw new Error(r.stderr);
}

interface Case {
  rule: string;
  what: string;
  change?: (tree: Tree, work: string) => void | Promise<void>;
  spec?: SpecChanges;
  /** A path the finding must name. */
  names?: string;
  /** Other rules the one fault also breaks. */
  also?: string[];
  /** Text the finding's message must hold. */
  says?: string;
}

const CASES: Case[] = [
  { rule: 'PH202', what: 'a Requires on a shared Python module', spec: { requires: ['phoreus', 'phoreus-python-3.11', 'python3-numpy'] } },
  { rule: 'PH203', what: 'two interpreter modules required', spec: { requires: ['phoreus', 'phoreus-python-3.11', 'phoreus-python-3.10'] } },
  { rule: 'PH204', what: 'a modulefile setting PYTHONPATH', names: `/${MODULEFILE}`,
    change: (t) => t.write(MODULEFILE, `${t.read(MODULEFILE)}prepend_path("PYTHONPATH", "/opt/shared/python")\n`) },
  { rule: 'PH205', what: 'a modulefile that does not load the interpreter', names: `/${MODULEFILE}`,
    change: (t) => t.write(MODULEFILE, t.read(MODULEFILE).replace(/^load\(.*\)$/m, '')) },
  { rule: 'PH206', what: 'a %post that runs pip', spec: { post: '/usr/local/phoreus/hello-tool/1.0.0/venv/bin/python -m pip install requests' } },
  { rule: 'PH301', what: 'a file in the system site-packages', names: '/usr/lib/python3.11/site-packages/evil.py',
    change: (t) => t.write('usr/lib/python3.11/site-packages/evil.py', 'x = 1\n'), spec: { files: ['/usr/lib/python3.11/site-packages/evil.py'] } },
  { rule: 'PH302', what: 'system site-packages included', names: `/${VENV}/pyvenv.cfg`,
    change: (t) => t.write(`${VENV}/pyvenv.cfg`, t.read(`${VENV}/pyvenv.cfg`).replace('include-system-site-packages = false', 'include-system-site-packages = true')) },
  { rule: 'PH303', what: 'a .pth file adding the system site-packages', names: `/${SP}/evil.pth`,
    change: (t) => t.write(`${SP}/evil.pth`, '/usr/lib/python3.11/site-packages\n') },
  { rule: 'PH304', what: 'a console script run by /usr/bin/env python3', names: `/${VENV}/bin/hello-tool`,
    change: (t) => t.write(`${VENV}/bin/hello-tool`, t.read(`${VENV}/bin/hello-tool`).replace(/^#!.*$/m, '#!/usr/bin/env python3')) },
  { rule: 'PH305', what: 'the build directory left in an activate script', names: `/${VENV}/bin/activate`,
    change: (t) => t.write(`${VENV}/bin/activate`, `${t.read(`${VENV}/bin/activate`)}# /builddir/build/BUILD/hello-tool/venv\n`) },
  { rule: 'PH305', what: 'bytecode whose co_filename is a BUILDROOT path ending in the installed one', names: `/${SP}/alpha/__pycache__/__init__.cpython-311.pyc`,
    says: `/home/builder/rpmbuild/BUILDROOT/phoreus-hello-tool-1.0.0-1.el9.x86_64/${SP}/alpha/__init__.py, not exactly /${SP}/alpha/__init__.py`,
    change: async (t) => {
      const r = await run(pythonPath('3.11'), ['-c', 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH, doraise=True)',
        t.path(`${SP}/alpha/__init__.py`), t.path(`${SP}/alpha/__pycache__/__init__.cpython-311.pyc`), `/home/builder/rpmbuild/BUILDROOT/phoreus-hello-tool-1.0.0-1.el9.x86_64/${SP}/alpha/__init__.py`]);
      if (r.status !== 0) throw new Error(r.stderr);
    } },
  { rule: 'PH305', what: 'a direct_url.json naming a temporary build directory', names: `/${SP}/alpha-1.0.dist-info/direct_url.json`, says: 'file:///tmp/tmpq1w2e3/alpha-1.0-py3-none-any.whl',
    change: (t) => {
      t.write(`${SP}/alpha-1.0.dist-info/direct_url.json`, '{"archive_info": {}, "url": "file:///tmp/tmpq1w2e3/alpha-1.0-py3-none-any.whl"}');
      // Listed in RECORD, as pip lists it: a file shipped as installed, which the text markers leave alone.
      const [record] = t.records().filter((r) => r.includes('/alpha-1.0.dist-info/'));
      if (record) writeFileSync(record, `${readFileSync(record, 'utf8').trimEnd()}\nalpha-1.0.dist-info/direct_url.json,,\n`);
    } },
  { rule: 'PH306', what: 'an ELF copy of bin/python whose RUNPATH is the build machine\'s interpreter', names: `/${VENV}/bin/python3.11`, also: ['PH305'], says: 'a copy of an interpreter',
    change: async (t, work) => {
      writeFileSync(join(work, 'python.c'), 'int main(void) { return 0; }\n');
      t.remove(`${VENV}/bin/python3.11`);
      await gcc(['-o', t.path(`${VENV}/bin/python3.11`), join(work, 'python.c'), '-Wl,--enable-new-dtags,-rpath,/root/.pyenv/versions/3.11.9/lib']);
    } },
  { rule: 'PH312', what: 'every RECORD deleted', names: `/${SP}/alpha-1.0.dist-info`, says: 'alpha-1.0.dist-info has no RECORD',
    change: (t) => { for (const record of t.records()) rmSync(record); } },
  { rule: 'PH304', what: 'a shebang climbing out of the venv with ..', names: `/${VENV}/bin/hello-tool`, says: '(that is, /usr/bin/python3) is outside the venv',
    change: (t) => t.write(`${VENV}/bin/hello-tool`, t.read(`${VENV}/bin/hello-tool`).replace(/^#!.*$/m, `#!/${VENV}/bin/../../../../../../../usr/bin/python3`)) },
  { rule: 'PH306', what: 'pyvenv.cfg pointing at the system Python', names: `/${VENV}/pyvenv.cfg`,
    change: (t) => t.write(`${VENV}/pyvenv.cfg`, t.read(`${VENV}/pyvenv.cfg`).replace(/^home = .*$/m, 'home = /usr/bin')) },
  { rule: 'PH307', what: 'bytecode compiled by Python 3.10', names: `/${SP}/alpha/__pycache__/__init__.cpython-311.pyc`,
    change: async (t) => {
      const r = await run(pythonPath('3.10'), ['-c', 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH, doraise=True)',
        t.path(`${SP}/alpha/__init__.py`), t.path(`${SP}/alpha/__pycache__/__init__.cpython-311.pyc`), `/${SP}/alpha/__init__.py`]);
      if (r.status !== 0) throw new Error(r.stderr);
    } },
  // The SBOM, written for the 1.0 the lock pins, no longer tells the truth either (PH403).
  { rule: 'PH308', what: 'an installed version the lock does not pin', names: `/${SP}/alpha-1.0.dist-info`, also: ['PH403'],
    change: (t) => t.write(`${SP}/alpha-1.0.dist-info/METADATA`, t.read(`${SP}/alpha-1.0.dist-info/METADATA`).replace('Version: 1.0', 'Version: 1.1')) },
  { rule: 'PH309', what: 'an extension needing GLIBC_2.36 on el9 (glibc 2.34)', names: `/${SP}/fastcount/_random.so`,
    change: async (t, work) => {
      writeFileSync(join(work, 'random.c'), '#include <stdlib.h>\nunsigned int draw(void) { return arc4random(); }\n');
      await gcc(['-shared', '-fPIC', '-o', t.path(`${SP}/fastcount/_random.so`), join(work, 'random.c')]);
    } },
  { rule: 'PH318', what: 'an i386 solver library a wheel bundles, which nothing loads', names: `/${SP}/fastcount/solver/i386/libcbc.so`, says: 'built for i386 (ELF machine 3), not x86_64',
    change: async (t, work) => {
      writeFileSync(join(work, 'solver.c'), 'int solve(void) { return 42; }\n');
      mkdirSync(t.path(`${SP}/fastcount/solver/i386`), { recursive: true });
      await gcc(['-m32', '-shared', '-fPIC', '-nostdlib', '-o', t.path(`${SP}/fastcount/solver/i386/libcbc.so`), join(work, 'solver.c')]);
    } },
  { rule: 'PH310', what: 'an extension needing a library nobody ships', names: `/${SP}/fastcount/_uses.so`,
    change: async (t, work) => {
      writeFileSync(join(work, 'foo.c'), 'int foo(void) { return 1; }\n');
      writeFileSync(join(work, 'uses.c'), 'int foo(void);\nint bar(void) { return foo(); }\n');
      await gcc(['-shared', '-fPIC', '-Wl,-soname,libfoo.so.1', '-o', join(work, 'libfoo.so'), join(work, 'foo.c')]);
      await gcc(['-shared', '-fPIC', '-o', t.path(`${SP}/fastcount/_uses.so`), join(work, 'uses.c'), `-L${work}`, '-lfoo']);
    } },
  { rule: 'PH311', what: 'a python3dist() provide', spec: { provides: ['python3dist(hello-tool) = 1.0.0'] } },
  { rule: 'PH312', what: 'a file edited after pip installed it', names: `/${SP}/alpha/__init__.py`,
    change: (t) => t.write(`${SP}/alpha/__init__.py`, `${t.read(`${SP}/alpha/__init__.py`)}# patched\n`, { refreshRecord: false }) },
  { rule: 'PH313', what: 'a name that disagrees with the prefix', spec: { name: 'phoreus-hello-tool-2.0.0' } },
  { rule: 'PH315', what: 'a setuid console script', names: `/${VENV}/bin/hello-tool`,
    change: (t) => chmodSync(t.path(`${VENV}/bin/hello-tool`), 0o4755) },
  { rule: 'PH315', what: 'a world-writable package directory', names: `/${SP}/alpha`,
    change: (t) => chmodSync(t.path(`${SP}/alpha`), 0o777) },
  { rule: 'PH316', what: 'a .pth file that runs code at every start', names: `/${SP}/hook.pth`,
    change: (t) => t.write(`${SP}/hook.pth`, 'import os; os.environ.setdefault("HOOKED", "1")\n') },
  { rule: 'PH403', what: 'an SBOM that lists a version the venv does not hold', names: `/${SP}/alpha-1.0.dist-info`,
    change: (t) => t.write(`${VENV.replace(/\/venv$/, '')}/sbom.cdx.json`, t.read(`${VENV.replace(/\/venv$/, '')}/sbom.cdx.json`).replace('"version": "1.0"', '"version": "1.0.1"')) },
  { rule: 'PH317', what: 'a modulefile value that breaks out of its line in the shell', names: `/${MODULEFILE}`,
    change: (t) => t.write(MODULEFILE, `${t.read(MODULEFILE)}setenv("GREETING", "hi\\n/tmp/payload")\n`) },
];

describe('audit: a corpus of RPMs that each break one rule', () => {
  let work: string;
  let fixture: HelloToolCorpus;
  let built: BuiltTool;
  let corpus: RpmCorpus;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phoreus-audit-it-'));
    fixture = await helloToolCorpus(work);
    ({ built, corpus } = fixture);
  });

  afterAll(async () => {
    await fixture?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function auditJson(rpm: string, ...extra: string[]) {
    const r = await runCli(['audit', rpm, '--interpreter', '3.11', '--distro', 'el9', '--format', 'json', '--quiet', ...extra]);
    return { status: r.status, stderr: r.stderr, report: JSON.parse(r.stdout) };
  }

  it('passes the RPM the build made, and the same payload packed again', async () => {
    const made = await auditJson(built.rpm, '--modulefile', built.modulefile);
    expect(made.report.findings).toEqual([]);
    expect(made.status).toBe(0);
    expect(made.report.generator).toEqual({ name: 'phoreus-rpm', version: packageJson.version });
    expect(made.report.packagedTool).toEqual({ name: 'hello-tool', version: '1.0.0' });
    const repacked = await auditJson(await corpus.make('baseline', () => undefined));
    expect(repacked.report.findings).toEqual([]);
  });

  it('names phoreus-rpm alone as the SARIF driver, and the audited tool in the run\'s properties', async () => {
    const r = await runCli(['audit', built.rpm, '--format', 'sarif', '--quiet', '--no-smoke-test']);
    expect(r.status, r.stderr).toBe(0);
    const [run] = JSON.parse(r.stdout).runs;
    expect(run.tool.driver).toMatchObject({ name: 'phoreus-rpm', version: packageJson.version, semanticVersion: packageJson.version, informationUri: packageJson.homepage });
    expect(run.properties.packagedTool).toEqual({ name: 'hello-tool', version: '1.0.0' });
  });

  it('passes a shebang naming the venv\'s python with "//", as the kernel resolves it', async () => {
    const rpm = await corpus.make('shebang-double-slash', (t) => t.write(`${VENV}/bin/hello-tool`, t.read(`${VENV}/bin/hello-tool`).replace(/^#!.*$/m, `#!//${VENV}/bin/python`)));
    const { status, report } = await auditJson(rpm);
    expect(report.findings).toEqual([]);
    expect(status).toBe(0);
  });

  // The header's SHA-256 digests, which rpm checks every file against as it installs it, or,
  // when the header gives MD5, the files hashed as they stream by: the same verdicts.
  it.each(['sha256', 'md5'] as const)('PH312 from file digests the header gives as %s: a file edited after pip installed it, and bytecode a RECORD lists', async (fileDigests) => {
    // "_data/" sorts before "alpha-1.0.dist-info/": the payload holds the .pyc before the RECORD that lists it.
    const listed = `${SP}/_data/__pycache__/table.cpython-311.pyc`;
    const edited = `${SP}/alpha/__init__.py`;
    const ship = (changed: boolean) => (t: Tree): void => {
      const pyc = readFileSync(t.path(`${SP}/alpha/__pycache__/__init__.cpython-311.pyc`));
      t.write(listed, pyc);
      const [record] = t.records().filter((r) => r.includes('/alpha-1.0.dist-info/'));
      if (!record) throw new Error('alpha has no RECORD');
      writeFileSync(record, `${readFileSync(record, 'utf8').trimEnd()}\n_data/__pycache__/table.cpython-311.pyc,sha256=${createHash('sha256').update(pyc).digest('base64url')},${pyc.length}\n`);
      if (!changed) return;
      t.write(listed, Buffer.concat([pyc, Buffer.from([0])]), { refreshRecord: false });
      t.write(edited, `${t.read(edited)}# edited\n`, { refreshRecord: false });
    };
    const good = await corpus.make(`record-digests-${fileDigests}`, ship(false), { fileDigests });
    const algorithm = await run(requiredCommand('rpm', 'rpm'), ['-qp', '--nosignature', '--nodigest', '--qf', '%{FILEDIGESTALGO}', good]);
    // rpm names no algorithm for MD5, its old default.
    expect(algorithm.stdout).toBe(fileDigests === 'md5' ? '(none)' : '8');
    const passed = await runCli(['audit', good, '--interpreter', '3.11', '--distro', 'el9', '--format', 'json']);
    expect(JSON.parse(passed.stdout).findings).toEqual([]);
    const hashed = /gives no SHA-256 file digests that can be trusted \(old rpms wrote MD5\): every file is hashed as it streams by/;
    if (fileDigests === 'md5') expect(passed.stderr).toMatch(hashed);
    else expect(passed.stderr).not.toMatch(hashed);
    const changed = await auditJson(await corpus.make(`record-digests-${fileDigests}-changed`, ship(true), { fileDigests }));
    expect(changed.report.findings.map((f: { rule: string; file: string }) => `${f.rule} ${f.file}`).sort()).toEqual([`PH312 /${edited}`, `PH312 /${listed}`].sort());
    expect(changed.status).toBe(1);
  });

  it.each(CASES)('$rule: $what', async ({ rule, what, change, spec, names, also, says }) => {
    const rpm = await corpus.make(`${rule.toLowerCase()}-${what.replace(/\W+/g, '-')}`, (tree) => change?.(tree, join(work, 'corpus')), spec);
    const { status, report } = await auditJson(rpm);
    const rules = [...new Set(report.findings.map((f: { rule: string }) => f.rule))];
    expect(rules.sort()).toEqual([rule, ...(also ?? [])].sort());
    const ours = report.findings.filter((f: { rule: string }) => f.rule === rule);
    if (names) expect(ours.map((f: { file: string }) => f.file)).toContain(names);
    if (says) expect(ours.find((f: { file: string }) => f.file === names)?.message).toContain(says);
    for (const f of ours) expect(f.message.length).toBeGreaterThan(30);
    expect(status).toBe(ours[0]?.severity === 'warning' ? 0 : 1);
  });
});
