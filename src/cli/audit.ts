/** `audit` on the command line: the charter's rules on one binary RPM, its report on stdout. */
import { dirname } from 'node:path';
import { configuredWaivers, renderAudit, runAudit } from '../commands/audit-command.js';
import { absolutePath, optional, parseFormat, parseInterpreter } from '../inputs/options.js';
import { UsageError } from '../core/errors.js';
import { TOOL_NAME } from '../core/about.js';
import { streamLog } from '../core/log.js';
import { parseFlags, type OptionSpec } from './flags.js';
import { SMOKE_TEST_OPTIONS, smokeTestFlag } from './smoke-test-flags.js';

export const AUDIT_OPTIONS: OptionSpec = {
  ...SMOKE_TEST_OPTIONS,
  interpreter: { type: 'string' },
  distro: { type: 'string', default: 'el9' },
  format: { type: 'string', default: 'text' },
  modulefile: { type: 'string' },
  config: { type: 'string' },
  'interpreter-home': { type: 'string' },
  'interpreter-module': { type: 'string' },
  python: { type: 'string' },
  'require-signature': { type: 'boolean', default: false },
  key: { type: 'string' },
  quiet: { type: 'boolean', default: false },
};

export async function auditCommand(args: string[]): Promise<number> {
  // The RPM may come before, between or after the options.
  const flags = parseFlags('audit', args, AUDIT_OPTIONS, 1);
  const [rpm] = flags.positionals;
  if (rpm === undefined) throw new UsageError(`audit needs the path of a binary RPM: ${TOOL_NAME} audit FILE.rpm [options]`);
  const format = parseFormat(flags.string('format') ?? 'text');
  const key = flags.string('key');
  if (flags.boolean('require-signature') !== (key !== undefined)) {
    throw new UsageError('--require-signature and --key PUBKEY go together: the RPM must be signed by the key in PUBKEY (ASCII-armoured, `gpg --armor --export KEYID`)');
  }
  const log = streamLog((text) => process.stderr.write(text), flags.boolean('quiet'));
  const config = flags.string('config') && absolutePath(flags.string('config') ?? '');
  const waiversFor = config ? configuredWaivers(dirname(config), config) : undefined;
  const smoke = await smokeTestFlag(flags, log);
  const { result, exitCode } = await runAudit({
    rpm: absolutePath(rpm),
    ...(smoke ? { smokeTest: { ...smoke, ...optional('python', flags.string('python')) } } : {}),
    distro: flags.string('distro') ?? 'el9',
    ...optional('interpreter', parseInterpreter(flags.string('interpreter'))),
    ...optional('modulefile', flags.string('modulefile') && absolutePath(flags.string('modulefile') ?? '')),
    ...optional('interpreterHome', flags.string('interpreter-home')),
    ...optional('interpreterModule', flags.string('interpreter-module')),
    ...optional('waiversFor', waiversFor),
    ...optional('signedBy', key && absolutePath(key)),
  }, log);
  process.stdout.write(renderAudit(format, result));
  return exitCode;
}
