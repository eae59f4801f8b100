/** Where the tool keeps what it can reuse between runs on one machine. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PHOREUS_RPM_CACHE) return env.PHOREUS_RPM_CACHE;
  if (env.RUNNER_TOOL_CACHE) return join(env.RUNNER_TOOL_CACHE, 'phoreus-rpm');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'phoreus-rpm');
}
