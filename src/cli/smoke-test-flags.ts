/** --smoke-test, --no-smoke-test and --smoke-command, shared by build and audit. */
import { resolveSmokeTest } from '../commands/audit-command.js';
import type { Log } from '../core/log.js';
import type { Flags, OptionSpec } from './flags.js';

export const SMOKE_TEST_OPTIONS: OptionSpec = {
  'smoke-test': { type: 'boolean' },
  'no-smoke-test': { type: 'boolean' },
  'smoke-command': { type: 'string' },
};

/** Whether to smoke-test, and with which command: asked for, or on by default for root when the machine can. */
export async function smokeTestFlag(flags: Flags, log: Log): Promise<{ command?: string } | undefined> {
  const asked = flags.boolean('no-smoke-test') ? false : flags.boolean('smoke-test') ? true : undefined;
  const on = await resolveSmokeTest(asked, process.getuid?.() === 0, log);
  const command = flags.string('smoke-command');
  return on ? (command ? { command } : {}) : undefined;
}
