// Build benchmark: the example built three ways on the same lock, side by side in one run.
//   cold     phoreus-rpm build (verify, fetch, build, audit; no smoke test) with empty caches (its own and pip's)
//   warm     phoreus-rpm build with its wheelhouse and build venv cached, the package index unreachable
//   charter  the charter's §8 SPEC template as written (bench/charter-template.sh), the baseline
// Whole-process wall-clock times, medians of BENCH_RUNS runs (default 3), interleaved.
// usage: node bench/build.mjs [PROJECT] [INTERPRETER]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const project = resolve(process.argv[2] ?? join(repo, 'examples/seqstats'));
const minor = process.argv[3] ?? '3.11';
const runs = Number(process.env.BENCH_RUNS ?? 3);

function findPython() {
  const root = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  const dir = existsSync(root) ? readdirSync(root).filter((d) => d.startsWith(`${minor}.`)).sort().pop() : undefined;
  return dir ? join(root, dir, 'bin', `python${minor}`) : `python${minor}`;
}
const python = findPython();

function timed(command, args, env) {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const work = mkdtempSync(join(tmpdir(), 'phoreus-bench-'));
const warmCache = join(work, 'warm-cache');
const cli = join(repo, 'dist/cli.js');
const build = (cache, extra, env) => timed(process.execPath,
  [cli, 'build', '--project', project, '--interpreter', minor, '--distro', 'el9', '--out', join(work, 'out'), '--quiet', '--no-smoke-test', ...extra],
  { PHOREUS_RPM_CACHE: cache, SOURCE_DATE_EPOCH: '1700000000', ...env });

const times = { cold: [], warm: [], charter: [] };
// Fill the warm cache once, outside the measurements.
build(warmCache, [], {});
for (let i = 0; i < runs; i++) {
  const cold = join(work, `cold-${i}`);
  times.cold.push(build(cold, [], { PIP_CACHE_DIR: join(cold, 'pip') }));
  times.warm.push(build(warmCache, ['--index-url', 'http://127.0.0.1:9/simple'], { PIP_CONFIG_FILE: '/dev/null', PIP_FIND_LINKS: '' }));
  const pipCache = join(work, `charter-pip-${i}`);
  times.charter.push(timed(join(repo, 'bench/charter-template.sh'), [project, 'seqstats', '1.2.0', python, minor, join(work, 'charter-out')], { PIP_CACHE_DIR: pipCache }));
  process.stderr.write(`run ${i + 1}/${runs}: cold ${times.cold[i].toFixed(1)} s, warm ${times.warm[i].toFixed(1)} s, charter ${times.charter[i].toFixed(1)} s\n`);
}
rmSync(work, { recursive: true, force: true });

const base = median(times.charter);
console.log(`Build of ${project} for Python ${minor}, el9: medians of ${runs} runs`);
console.log('variant   median (s)   ratio to the §8 template');
for (const [name, xs] of Object.entries(times)) {
  console.log(`${name.padEnd(9)} ${median(xs).toFixed(2).padStart(10)}   ${(median(xs) / base).toFixed(2)}`);
}
