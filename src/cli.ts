/** The command-line twin of the action: the same pipeline, with flags instead of inputs. */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { render, runVerify } from './commands/verify-command.js';
import { absolutePath, optional, parseFormat, parseInterpreter, type VerifyOptions } from './inputs/options.js';
import { UsageError } from './inputs/usage-error.js';
import { TOOL_NAME, TOOL_VERSION } from './report/about.js';
import { streamLog } from './report/log.js';
import { redactUrls } from './report/redact.js';

const HELP = `Usage: ${TOOL_NAME} <command> [options]

Package hash-locked Python projects as Phoreus virtual-environment RPMs,
and enforce the Phoreus Python Packaging Charter.

Commands:
  verify    Check requirements.in and requirements.lock against the charter
            (rules PH101-PH113, PH201, PH207; see docs/rules.md)

Options for verify:
  --project DIR          project directory (default: .)
  --interpreter X.Y      target interpreter (default: the lock header's, else the newest sanctioned)
  --offline              skip the drift check (PH108), which re-runs pip-compile
  --format FORMAT        text (default), json or sarif, printed on stdout
  --config FILE          configuration file (default: phoreus.yaml in the project, if present)
  --tool NAME            tool name to validate (default: configuration, then pyproject.toml)
  --version VERSION      tool version to validate (default: configuration, then pyproject.toml)
  --index-url URL        package index for the drift check
  --extra-index-url URL  extra package index for the drift check (repeatable)
  --python PATH          Python X.Y to run pip-compile with (default: found by version)
  --quiet                no progress messages on stderr

Exit status: 0 no error finding, 1 error findings, 2 usage or environment error.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') {
    process.stdout.write(`${TOOL_VERSION}\n`);
    return 0;
  }
  if (command !== 'verify') throw new UsageError(`unknown command "${command}"; run \`${TOOL_NAME} --help\``);

  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        project: { type: 'string', default: '.' },
        interpreter: { type: 'string' },
        offline: { type: 'boolean', default: false },
        format: { type: 'string', default: 'text' },
        config: { type: 'string' },
        tool: { type: 'string' },
        version: { type: 'string' },
        'index-url': { type: 'string' },
        'extra-index-url': { type: 'string', multiple: true, default: [] },
        python: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; run \`${TOOL_NAME} --help\``);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const format = parseFormat(values.format);
  const project = absolutePath(values.project);
  const options: VerifyOptions = {
    project,
    offline: values.offline,
    extraIndexUrls: values['extra-index-url'],
    ...optional('interpreter', parseInterpreter(values.interpreter)),
    ...optional('config', values.config && absolutePath(values.config)),
    ...optional('tool', values.tool),
    ...optional('version', values.version),
    ...optional('indexUrl', values['index-url']),
    ...optional('python', values.python),
  };
  const log = streamLog((text) => process.stderr.write(redactUrls(text)), values.quiet);
  const { result, exitCode } = await runVerify(options, log);
  process.stdout.write(render(format, result, relative(process.cwd(), project)));
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof UsageError ? error.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
    process.stderr.write(`${TOOL_NAME}: ${redactUrls(message.split('\n')[0] ?? '')}\n`);
    if (process.env.PHOREUS_RPM_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 2;
  },
);
