/** `build` on the command line: the RPM, SRPM and modulefile, audited; the summary on stdout. */
import { runBuild, runBuildAll } from '../commands/build-command.js';
import { absolutePath, optional, type BuildOptions } from '../inputs/options.js';
import { streamLog } from '../core/log.js';
import { redact } from '../core/redact.js';
import { SIGNING_OPTIONS, signingFlag } from './signing-flags.js';
import { parseFlags, PROJECT_OPTIONS, projectOptions, type OptionSpec } from './flags.js';
import { SMOKE_TEST_OPTIONS, smokeTestFlag } from './smoke-test-flags.js';

export const BUILD_OPTIONS: OptionSpec = {
  ...PROJECT_OPTIONS,
  ...SMOKE_TEST_OPTIONS,
  distro: { type: 'string', default: 'el9' },
  arch: { type: 'string' },
  release: { type: 'string' },
  'find-links': { type: 'string', multiple: true, default: [] },
  out: { type: 'string', default: 'out' },
  'interpreter-home': { type: 'string' },
  'interpreter-module': { type: 'string' },
  meta: { type: 'boolean', default: false },
  all: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  ...SIGNING_OPTIONS,
};

export async function buildCommand(args: string[]): Promise<number> {
  const flags = parseFlags('build', args, BUILD_OPTIONS);
  const options: BuildOptions = {
    ...projectOptions(flags),
    distro: flags.string('distro') ?? 'el9',
    out: absolutePath(flags.string('out') ?? 'out'),
    findLinks: flags.list('find-links'),
    meta: flags.boolean('meta'),
    verbose: flags.boolean('verbose'),
    ...optional('arch', flags.string('arch')),
    ...optional('release', flags.string('release')),
    ...optional('interpreterHome', flags.string('interpreter-home')),
    ...optional('interpreterModule', flags.string('interpreter-module')),
    ...optional('refName', process.env.GITHUB_REF_TYPE === 'tag' || !process.env.GITHUB_REF_TYPE ? process.env.GITHUB_REF_NAME : undefined),
  };
  const signing = signingFlag(flags);
  if (signing) options.signing = signing;
  const log = streamLog((text) => process.stderr.write(redact(text)), flags.boolean('quiet'));
  const smoke = await smokeTestFlag(flags, log);
  if (smoke) options.smokeTest = smoke;
  const { text, exitCode } = flags.boolean('all') ? await runBuildAll(options, log) : await runBuild(options, log);
  process.stdout.write(text);
  return exitCode;
}
