/** PH308: the installed distributions are the lock's plus the application. Pure. */
import { posix } from 'node:path';
import { normalizeName } from '../../requirements/pep508.js';
import { satisfies } from '../../requirements/versions.js';
import type { PayloadState, Report } from './state.js';

function parseConfigJson(text: string | undefined): { application?: { name: string }; skipped?: string[] } {
  try {
    return text ? (JSON.parse(text) as { application?: { name: string }; skipped?: string[] }) : {};
  } catch {
    return {};
  }
}

/** PH308: the installed distributions are the lock's plus the application. */
export function checkDistributions(p: PayloadState, report: Report): void {
  if (p.texts.lock === undefined) {
    report('PH308', `${p.prefix}/requirements.lock`, 1, `the RPM does not ship its lock at ${p.prefix}/requirements.lock, so what it installs cannot be checked (charter §13: embed dependency hashes)`);
    return;
  }
  const locked = new Map((p.locked ?? []).map((p) => [normalizeName(p.name), p]));
  const config = parseConfigJson(p.texts.config);
  const application = config.application ? normalizeName(config.application.name) : normalizeName(p.ctx.tool);
  const skipped = new Set((config.skipped ?? []).map(normalizeName));
  const installed = new Map<string, { version: string; path: string }>();
  for (const meta of p.metadata) {
    if (!meta.path.startsWith(`${p.sitePackages}/`)) continue;
    const name = /^Name:\s*(.+)$/m.exec(meta.text)?.[1]?.trim();
    const version = /^Version:\s*(.+)$/m.exec(meta.text)?.[1]?.trim();
    if (name && version) installed.set(normalizeName(name), { version, path: posix.dirname(meta.path) });
  }
  for (const [name, dist] of installed) {
    const pin = locked.get(name);
    if (!pin) {
      if (name !== application) report('PH308', dist.path, 1, `${name} ${dist.version} is installed but not in requirements.lock: everything in the venv comes from the lock (charter §6.1)`);
    } else if (!satisfies(dist.version, [{ operator: '==', version: pin.version }])) {
      report('PH308', dist.path, 1, `${name} ${dist.version} is installed but the lock pins ${pin.version}`);
    }
  }
  for (const [name, pin] of locked) {
    if (!installed.has(name) && !skipped.has(name)) {
      report('PH308', `${p.prefix}/requirements.lock`, 1, `${pin.name}==${pin.version} is in the lock but not installed in the venv`);
    }
  }
}

