/**
 * Vitest's global setup: the CLI and the action are bundled from the current sources once per
 * run, with the same script as dist/ (scripts/bundle.mjs), into a directory of the run's own
 * inside the repository (the bundles find tools/… by walking up from where they are), which
 * every test worker and process learns as PHOREUS_RPM_TEST_BUNDLE. So a change in src/ is
 * never tested against a stale dist/; `npm run check-dist` keeps the committed dist/ equal
 * to the same bundle.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..', '..');

export default function setup(): () => void {
  const parent = join(REPO, 'node_modules', '.cache', 'phoreus-rpm-bundle');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'run-'));
  execFileSync(process.execPath, [join(REPO, 'scripts', 'bundle.mjs'), '--outdir', dir], { cwd: REPO, stdio: 'inherit' });
  process.env.PHOREUS_RPM_TEST_BUNDLE = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
