/** SOURCE_DATE_EPOCH for a build: the environment's, else the project's last commit time, else 0. */
import { run } from './process.js';

export async function sourceDateEpoch(project: string): Promise<number> {
  const fromEnv = Number(process.env.SOURCE_DATE_EPOCH);
  if (process.env.SOURCE_DATE_EPOCH && Number.isInteger(fromEnv) && fromEnv >= 0) return fromEnv;
  const git = await run('git', ['-C', project, 'log', '-1', '--format=%ct', '--', '.']);
  const commit = Number(git.stdout.trim());
  return git.exitCode === 0 && Number.isInteger(commit) && commit > 0 ? commit : 0;
}
