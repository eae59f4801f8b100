// Every benchmark in one run: builds (both projects, with the determinism digests), the
// pull-request check, and the audit. usage: node bench/all.mjs
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

for (const bench of ['build.mjs', 'verify.mjs', 'audit.mjs']) {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, bench)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
