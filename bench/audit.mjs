// Audit benchmark: a large real venv RPM (numpy, pandas, scipy: bench/scientific, built here
// with the CLI, from the public package index the first time) audited by phoreus-rpm, next to
// rpmlint and `rpm2cpio > /dev/null` (the decompression floor) on the same file. Whole-process wall-clock times, medians of BENCH_RUNS runs (default 5).
// usage: node bench/audit.mjs [RPM]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const cli = join(repo, 'dist/cli.js');

function timed(command, args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.error) throw r.error;
  return { seconds, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function scientificRpm() {
  const out = join(repo, 'node_modules/.cache/phoreus-bench/scientific-15');
  const existing = existsSync(out) ? readdirSync(out).find((f) => f.endsWith('.x86_64.rpm') || f.endsWith('.aarch64.rpm')) : undefined;
  if (existing) return join(out, existing);
  mkdirSync(out, { recursive: true });
  const r = timed(process.execPath, [cli, 'build', '--project', join(repo, 'bench/scientific'), '--tool', 'scientific', '--tool-version', '1.0',
    '--interpreter', '3.11', '--index-url', 'https://pypi.org/simple', '--out', out, '--quiet', '--no-smoke-test']);
  if (r.status !== 0) throw new Error(`building the benchmark RPM failed:\n${r.stdout}\n${r.stderr}`);
  return join(out, readdirSync(out).find((f) => /\.(x86_64|aarch64)\.rpm$/.test(f)));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rpm = process.argv[2] ? resolve(process.argv[2]) : scientificRpm();
const files = Number(JSON.parse(timed(process.execPath, [cli, 'audit', rpm, '--format', 'json', '--quiet', '--no-smoke-test']).stdout).files);
const hasRpmlint = spawnSync('rpmlint', ['--version']).status === 0;

const times = { 'phoreus-rpm audit': [], 'rpm2cpio >/dev/null': [], rpmlint: [] };
for (let i = 0; i < runs; i++) {
  times['phoreus-rpm audit'].push(timed(process.execPath, [cli, 'audit', rpm, '--quiet', '--no-smoke-test']).seconds);
  times['rpm2cpio >/dev/null'].push(timed('sh', ['-c', 'rpm2cpio "$1" > /dev/null', 'sh', rpm]).seconds);
  if (hasRpmlint) times.rpmlint.push(timed('rpmlint', [rpm]).seconds);
}
if (!hasRpmlint) delete times.rpmlint;

console.log(`${rpm}: ${files} payload entries; medians of ${runs} runs`);
console.log('tool                 median (s)   files/s   ratio to phoreus-rpm audit');
const base = median(times['phoreus-rpm audit']);
for (const [name, xs] of Object.entries(times)) {
  const m = median(xs);
  console.log(`${name.padEnd(20)} ${m.toFixed(2).padStart(10)}   ${Math.round(files / m).toString().padStart(7)}   ${(m / base).toFixed(2)}`);
}
if (!hasRpmlint) console.log('rpmlint is not installed (apt-get install rpmlint, or dnf install rpmlint): no comparison');
