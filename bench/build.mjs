// Build benchmark: each project built three ways on the same lock, side by side in one run.
//   cold     phoreus-rpm build (verify, fetch, build, audit, SRPM; no smoke test) with empty caches (its own and pip's)
//   warm     phoreus-rpm build with its wheelhouse and build venv cached, the package index unreachable
//   charter  the charter's §8 SPEC template as written (bench/charter-template.sh), the baseline
// Projects: examples/seqstats, and bench/scientific (a 15-package scientific stack), both from
// the public package index, https://pypi.org/simple, with the machine's pip configuration off.
// Then the determinism check: each project built twice more, from two copies at other paths,
// with other temporary directories, seconds apart; the sha256 of the RPM, SRPM and modulefile.
// Whole-process wall-clock times, medians of BENCH_RUNS runs (default 3), interleaved.
// usage: node bench/build.mjs [seqstats|scientific ...]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const minor = '3.11';
const INDEX = 'https://pypi.org/simple';
const PROJECTS = {
  seqstats: { dir: join(repo, 'examples/seqstats'), tool: 'seqstats', version: '1.2.0', flags: [] },
  scientific: { dir: join(repo, 'bench/scientific'), tool: 'scientific', version: '1.0', flags: ['--tool', 'scientific', '--tool-version', '1.0'] },
};
const chosen = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(PROJECTS);

function findPython() {
  const root = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  const dir = existsSync(root) ? readdirSync(root).filter((d) => d.startsWith(`${minor}.`)).sort().pop() : undefined;
  return dir ? join(root, dir, 'bin', `python${minor}`) : `python${minor}`;
}
const python = findPython();
// Both sides see only the public index: no pip configuration file, no find-links of the machine.
const PIP_ENV = { PIP_CONFIG_FILE: '/dev/null', PIP_FIND_LINKS: '', PIP_EXTRA_INDEX_URL: '', PIP_INDEX_URL: INDEX };

function timed(command, args, env, cwd) {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { env: { ...process.env, ...PIP_ENV, ...env }, encoding: 'utf8', maxBuffer: 1 << 28, ...(cwd ? { cwd } : {}) });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const work = mkdtempSync(join(tmpdir(), 'phoreus-bench-'));
const cli = join(repo, 'dist/cli.js');

function build(p, project, cache, out, extra, env = {}, cwd = undefined) {
  return timed(process.execPath, [cli, 'build', '--project', project, '--interpreter', minor, '--distro', 'el9', '--out', out, '--quiet', '--no-smoke-test', ...p.flags, ...extra],
    { PHOREUS_RPM_CACHE: cache, SOURCE_DATE_EPOCH: '1700000000', ...env }, cwd);
}

const results = {};
try {
  for (const name of chosen) {
    const p = PROJECTS[name];
    const warmCache = join(work, `${name}-warm-cache`);
    const times = { cold: [], warm: [], charter: [] };
    // Fill the warm cache once, outside the measurements.
    build(p, p.dir, warmCache, join(work, 'out'), ['--index-url', INDEX]);
    for (let i = 0; i < runs; i++) {
      const cold = join(work, `${name}-cold-${i}`);
      times.cold.push(build(p, p.dir, cold, join(work, 'out'), ['--index-url', INDEX], { PIP_CACHE_DIR: join(cold, 'pip') }));
      times.warm.push(build(p, p.dir, warmCache, join(work, 'out'), ['--index-url', 'http://127.0.0.1:9/simple'], { PIP_INDEX_URL: 'http://127.0.0.1:9/simple' }));
      times.charter.push(timed(join(repo, 'bench/charter-template.sh'), [p.dir, p.tool, p.version, python, minor, join(work, 'charter-out')], { PIP_CACHE_DIR: join(work, `${name}-charter-pip-${i}`) }));
      rmSync(cold, { recursive: true, force: true });
      process.stderr.write(`${name} run ${i + 1}/${runs}: cold ${times.cold[i].toFixed(1)} s, warm ${times.warm[i].toFixed(1)} s, charter ${times.charter[i].toFixed(1)} s\n`);
    }
    // Determinism: two copies at other paths, other TMPDIR and working directory, seconds apart.
    const digests = [];
    for (const copy of ['a', 'b/deeper/copy']) {
      const root = join(work, `${name}-det-${copy.replace(/\//g, '-')}`);
      const project = join(root, 'src', copy);
      cpSync(p.dir, project, { recursive: true });
      mkdirSync(join(root, 'tmp'), { recursive: true });
      const out = join(root, 'out');
      build(p, project, warmCache, out, ['--index-url', 'http://127.0.0.1:9/simple'], { TMPDIR: join(root, 'tmp'), PIP_INDEX_URL: 'http://127.0.0.1:9/simple' }, root);
      const artifacts = JSON.parse(readFileSync(join(out, 'build-report.json'), 'utf8')).artifacts;
      digests.push({ rpm: sha256(artifacts.rpm), srpm: sha256(artifacts.srpm), modulefile: sha256(artifacts.modulefile) });
      spawnSync('sleep', ['2']);
    }
    results[name] = { times, digests };
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

for (const [name, { times, digests }] of Object.entries(results)) {
  const base = median(times.charter);
  console.log(`\nBuild of ${name} for Python ${minor}, el9, index ${INDEX}: medians of ${runs} runs`);
  console.log('variant   median (s)   ratio to the §8 template');
  for (const [variant, xs] of Object.entries(times)) console.log(`${variant.padEnd(9)} ${median(xs).toFixed(2).padStart(10)}   ${(median(xs) / base).toFixed(2)}`);
  console.log('determinism (two builds from two project copies, other TMPDIR and cwd, seconds apart):');
  for (const [i, d] of digests.entries()) console.log(`  build ${i + 1}: rpm ${d.rpm}\n           srpm ${d.srpm}\n           modulefile ${d.modulefile}`);
  console.log(`  identical: ${JSON.stringify(digests[0]) === JSON.stringify(digests[1]) ? 'yes' : 'NO'}`);
}
