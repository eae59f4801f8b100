/**
 * System tools the build needs (rpmbuild, rpm2cpio, cpio, tar): found on PATH, or installed
 * with apt-get or dnf when running as root, or one clear line saying what to install.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Log } from '../core/log.js';
import { lastLine, run } from './process.js';

/** For each command, the package that provides it on Debian/Ubuntu and on Fedora/EL. */
const PROVIDERS: Record<string, { apt: string; dnf: string }> = {
  rpmbuild: { apt: 'rpm', dnf: 'rpm-build' },
  rpm: { apt: 'rpm', dnf: 'rpm' },
  rpm2cpio: { apt: 'rpm2cpio', dnf: 'rpm' },
  cpio: { apt: 'cpio', dnf: 'cpio' },
  tar: { apt: 'tar', dnf: 'tar' },
  unshare: { apt: 'util-linux', dnf: 'util-linux' },
  rpmsign: { apt: 'rpm', dnf: 'rpm-sign' },
  rpmkeys: { apt: 'rpm', dnf: 'rpm' },
  gpg: { apt: 'gnupg', dnf: 'gnupg2' },
  gpgconf: { apt: 'gnupg', dnf: 'gnupg2' },
  createrepo_c: { apt: 'createrepo-c', dnf: 'createrepo_c' },
};

export function which(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** How to run a command as root: as it is (root), through passwordless sudo (a hosted runner), or not at all. */
export async function asRoot(): Promise<string[] | undefined> {
  if (process.getuid?.() === 0) return [];
  if (which('sudo') && (await run('sudo', ['-n', 'true'])).exitCode === 0) return ['sudo', '-n', '-E'];
  return undefined;
}

/** Installs packages with apt-get or dnf, as root, in a log group; one clear line when it cannot. */
export async function installPackages(packages: { apt: string[]; dnf: string[] }, what: string, log: Log): Promise<void> {
  const manager = which('apt-get') ? 'apt' : which('dnf') ? 'dnf' : undefined;
  const root = await asRoot();
  if (!manager || !root) {
    throw new UsageError(`${what} not found; install ${packages.apt.join(' ')} (\`sudo apt-get install -y ${packages.apt.join(' ')}\`, or \`sudo dnf install -y ${packages.dnf.join(' ')}\`)`);
  }
  const names = manager === 'apt' ? packages.apt : packages.dnf;
  await log.group(`Installing ${names.join(', ')} with ${manager}`, async () => {
    const steps: Array<[string, string[]]> = manager === 'apt'
      ? [['apt-get', ['update', '-qq']], ['apt-get', ['install', '-y', '-qq', ...names]]]
      : [['dnf', ['install', '-y', '-q', ...names]]];
    for (const [cmd, args] of steps) {
      const [first, ...rest] = [...root, cmd, ...args];
      const r = await run(first ?? cmd, rest, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (r.exitCode !== 0) throw new UsageError(`${cmd} ${args.join(' ')} failed: ${lastLine(r.stderr)}`);
    }
  });
}

export async function requireTools(commands: readonly string[], log: Log): Promise<void> {
  const missing = commands.filter((c) => !which(c));
  if (missing.length === 0) return;
  const provider = (c: string): { apt: string; dnf: string } => PROVIDERS[c] ?? { apt: c, dnf: c };
  await installPackages({
    apt: [...new Set(missing.map((c) => provider(c).apt))],
    dnf: [...new Set(missing.map((c) => provider(c).dnf))],
  }, missing.join(', '), log);
  const still = commands.filter((c) => !which(c));
  if (still.length > 0) throw new UsageError(`${still.join(', ')} still not found after installing their packages`);
}
