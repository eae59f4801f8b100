/** `verify` on the command line: the lockfile check, its report on stdout. */
import { relative } from 'node:path';
import { render, runVerify } from '../commands/verify-command.js';
import { parseFormat, type VerifyOptions } from '../inputs/options.js';
import { streamLog } from '../core/log.js';
import { redact } from '../core/redact.js';
import { parseFlags, PROJECT_OPTIONS, projectOptions, type OptionSpec } from './flags.js';

export const VERIFY_OPTIONS: OptionSpec = {
  ...PROJECT_OPTIONS,
  offline: { type: 'boolean', default: false },
  format: { type: 'string', default: 'text' },
};

export async function verifyCommand(args: string[]): Promise<number> {
  const flags = parseFlags('verify', args, VERIFY_OPTIONS);
  const format = parseFormat(flags.string('format') ?? 'text');
  const options: VerifyOptions = { ...projectOptions(flags), offline: flags.boolean('offline') };
  const log = streamLog((text) => process.stderr.write(redact(text)), flags.boolean('quiet'));
  const { result, exitCode } = await runVerify(options, log);
  process.stdout.write(render(format, result, relative(process.cwd(), options.project)));
  return exitCode;
}
