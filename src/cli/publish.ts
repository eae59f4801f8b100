/** `publish` on the command line: RPMs added to a repository that only grows, the report on stdout. */
import { renderPublish, runPublish } from '../commands/publish-command.js';
import { absolutePath, parseFormat } from '../inputs/options.js';
import { UsageError } from '../core/errors.js';
import { TOOL_NAME } from '../core/about.js';
import { streamLog } from '../core/log.js';
import { redact } from '../core/redact.js';
import { parseFlags, type OptionSpec } from './flags.js';
import { SIGNING_OPTIONS, signingFlag } from './signing-flags.js';

export const PUBLISH_OPTIONS: OptionSpec = {
  ...SIGNING_OPTIONS,
  repo: { type: 'string' },
  format: { type: 'string', default: 'text' },
  quiet: { type: 'boolean', default: false },
};

export async function publishCommand(args: string[]): Promise<number> {
  const flags = parseFlags('publish', args, PUBLISH_OPTIONS, Number.MAX_SAFE_INTEGER);
  const repo = flags.string('repo');
  if (repo === undefined) throw new UsageError(`publish needs the repository: ${TOOL_NAME} publish --repo DIR FILE.rpm...`);
  if (flags.positionals.length === 0) throw new UsageError(`publish needs one or more RPMs: ${TOOL_NAME} publish --repo DIR FILE.rpm...`);
  const format = parseFormat(flags.string('format') ?? 'text');
  const signing = signingFlag(flags);
  const log = streamLog((text) => process.stderr.write(redact(text)), flags.boolean('quiet'));
  const { result, exitCode } = await runPublish(absolutePath(repo), flags.positionals.map((p) => absolutePath(p)), signing, log);
  process.stdout.write(redact(renderPublish(format, result)));
  return exitCode;
}
