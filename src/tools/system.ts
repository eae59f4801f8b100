/**
 * System tools the build needs (rpmbuild, rpm2cpio, cpio, tar): found on PATH, or installed
 * with apt-get or dnf when running as root, or one clear line saying what to install.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError } from '../inputs/usage-error.js';
import type { Log } from '../report/log.js';
import { lastLine, run } from './process.js';

/** For each command, the package that provides it on Debian/Ubuntu and on Fedora/EL. */
const PROVIDERS: Record<string, { apt: string; dnf: string }> = {
  rpmbuild: { apt: 'rpm', dnf: 'rpm-build' },
  rpm: { apt: 'rpm', dnf: 'rpm' },
  rpm2cpio: { apt: 'rpm2cpio', dnf: 'rpm' },
  cpio: { apt: 'cpio', dnf: 'cpio' },
  tar: { apt: 'tar', dnf: 'tar' },
};

export function which(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export async function requireTools(commands: readonly string[], log: Log): Promise<void> {
  const missing = commands.filter((c) => !which(c));
  if (missing.length === 0) return;
  const manager = which('apt-get') ? 'apt' : which('dnf') ? 'dnf' : undefined;
  const packages = [...new Set(missing.map((c) => PROVIDERS[c]?.[manager ?? 'apt'] ?? c))];
  const root = process.getuid?.() === 0;
  if (!manager || !root) {
    throw new UsageError(`${missing.join(', ')} not found; install ${packages.join(' ')} (for example \`sudo apt-get install -y ${packages.join(' ')}\` or \`sudo dnf install -y ${packages.map((p) => PROVIDERS[p]?.dnf ?? p).join(' ')}\`)`);
  }
  await log.group(`Installing ${packages.join(', ')} with ${manager}`, async () => {
    const steps: Array<[string, string[]]> = manager === 'apt'
      ? [['apt-get', ['update', '-qq']], ['apt-get', ['install', '-y', '-qq', ...packages]]]
      : [['dnf', ['install', '-y', '-q', ...packages]]];
    for (const [cmd, args] of steps) {
      const r = await run(cmd, args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (r.exitCode !== 0) throw new UsageError(`${cmd} ${args.join(' ')} failed: ${lastLine(r.stderr)}`);
    }
  });
  const still = commands.filter((c) => !which(c));
  if (still.length > 0) throw new UsageError(`${still.join(', ')} still not found after installing ${packages.join(' ')}`);
}
