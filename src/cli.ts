/** The command-line twin of the action: the same pipeline, with flags instead of inputs. */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { renderAudit, resolveSmokeTest, runAudit } from './commands/audit-command.js';
import { runBuild, runBuildAll } from './commands/build-command.js';
import { matrixFor, renderMatrix } from './commands/matrix-command.js';
import { render, runVerify } from './commands/verify-command.js';
import {
  absolutePath, optional, parseFormat, parseInterpreter, type BuildOptions, type VerifyOptions,
} from './inputs/options.js';
import { errorLine, UsageError } from './inputs/usage-error.js';
import { TOOL_NAME, TOOL_VERSION } from './report/about.js';
import { streamLog, type Log } from './report/log.js';
import { redact } from './report/redact.js';
import { stopCleanlyOnSignals } from './tools/lifecycle.js';

const HELP = `Usage: ${TOOL_NAME} <command> [options]

Package hash-locked Python projects as Phoreus virtual-environment RPMs,
and enforce the Phoreus Python Packaging Charter.

Commands:
  verify    Check requirements.in and requirements.lock against the charter
            (rules PH101-PH114, PH201, PH207; see docs/rules.md)
  build     Build the RPM, the SRPM and the Lmod modulefile of the project,
            and audit the RPM before writing anything
  audit     Audit a binary RPM, built by any means, against the charter
            (rules PH202-PH206, PH301-PH314)
  matrix    Print the build matrix of phoreus.yaml (every interpreter x distro)
            as JSON for a workflow's strategy.matrix

Options for both:
  --project DIR          project directory (default: .)
  --interpreter X.Y      target interpreter (default: the lock header's, else the newest sanctioned)
  --config FILE          configuration file (default: phoreus.yaml in the project, if present)
  --tool NAME            tool name (default: configuration, then pyproject.toml)
  --version VERSION      tool version (default: a v-prefixed GITHUB_REF_NAME, configuration, project metadata)
  --index-url URL        package index
  --extra-index-url URL  extra package index (repeatable)
  --python PATH          Python X.Y to run pip with (default: found by version)
  --quiet                no progress messages on stderr

Options for verify:
  --offline              skip the drift check (PH108), which re-runs pip-compile
  --format FORMAT        text (default), json or sarif, printed on stdout

Options for build:
  --distro DISTRO        el8, el9 (default), el10, fedora-<N>, amzn2023
  --arch ARCH            x86_64 or aarch64 (default: this machine's; no cross-builds)
  --release N            RPM release (default: 1)
  --find-links DIR|URL   extra wheel location (repeatable)
  --out DIR              output directory (default: ./out)
  --interpreter-home P   target interpreter home, {python} for X.Y (default: /usr/local/phoreus/python/{python})
  --interpreter-module M interpreter module, {python} for X.Y (default: phoreus-python-{python})
  --meta                 also build the meta default package phoreus-<tool>
  --all                  build every (interpreter, distro) pair of phoreus.yaml, each into
                         <out>/<distro>-py<X.Y>/
  --[no-]smoke-test      install the RPM in a private mount namespace, load its module with
                         Lmod and run --smoke-command (default: on when running as root)
  --smoke-command CMD    the smoke test's command (default: TOOL --version, else TOOL --help)

Usage of matrix: matrix [--project DIR] [--config FILE]

Usage of audit: audit FILE.rpm [options]
  --interpreter X.Y      target interpreter (default: the interpreter module the RPM requires)
  --distro DISTRO        target distro, for the glibc check (default: el9)
  --format FORMAT        text (default), json or sarif, printed on stdout
  --modulefile FILE      the modulefile shipped beside the RPM, checked too
  --interpreter-home P, --interpreter-module M   as for build
  --[no-]smoke-test, --smoke-command CMD          as for build
  --quiet

Exit status: 0 no error finding, 1 error findings or a failed build, 2 usage or environment error.
`;

const COMMON: OptionSpec = {
  project: { type: 'string', default: '.' },
  interpreter: { type: 'string' },
  config: { type: 'string' },
  tool: { type: 'string' },
  version: { type: 'string' },
  'index-url': { type: 'string' },
  'extra-index-url': { type: 'string', multiple: true, default: [] },
  python: { type: 'string' },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};

const VERIFY: OptionSpec = { ...COMMON, offline: { type: 'boolean', default: false }, format: { type: 'string', default: 'text' } };

const BUILD: OptionSpec = {
  ...COMMON,
  distro: { type: 'string', default: 'el9' },
  arch: { type: 'string' },
  release: { type: 'string' },
  'find-links': { type: 'string', multiple: true, default: [] },
  out: { type: 'string', default: 'out' },
  'interpreter-home': { type: 'string' },
  'interpreter-module': { type: 'string' },
  meta: { type: 'boolean', default: false },
  all: { type: 'boolean', default: false },
  'smoke-test': { type: 'boolean' },
  'no-smoke-test': { type: 'boolean' },
  'smoke-command': { type: 'string' },
};

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; default?: string | boolean | string[] }>;

/** Parsed flags, read through typed accessors. */
class Flags {
  constructor(private readonly values: Record<string, string | boolean | Array<string | boolean> | undefined>) {}
  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }
  boolean(name: string): boolean {
    return this.values[name] === true;
  }
  list(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v.map(String) : [];
  }
}

function parse(args: string[], options: OptionSpec): Flags {
  try {
    return new Flags(parseArgs({ args, strict: true, allowPositionals: false, options }).values);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; run \`${TOOL_NAME} --help\``);
  }
}

function commonOptions(flags: Flags): VerifyOptions {
  return {
    project: absolutePath(flags.string('project') ?? '.'),
    offline: false,
    extraIndexUrls: flags.list('extra-index-url'),
    ...optional('interpreter', parseInterpreter(flags.string('interpreter'))),
    ...optional('config', flags.string('config') && absolutePath(flags.string('config') ?? '')),
    ...optional('tool', flags.string('tool')),
    ...optional('version', flags.string('version')),
    ...optional('indexUrl', flags.string('index-url')),
    ...optional('python', flags.string('python')),
  };
}

async function verifyCommand(args: string[]): Promise<number> {
  const flags = parse(args, VERIFY);
  if (flags.boolean('help')) return help();
  const format = parseFormat(flags.string('format') ?? 'text');
  const options: VerifyOptions = { ...commonOptions(flags), offline: flags.boolean('offline') };
  const log = streamLog((text) => process.stderr.write(redact(text)), flags.boolean('quiet'));
  const { result, exitCode } = await runVerify(options, log);
  process.stdout.write(render(format, result, relative(process.cwd(), options.project)));
  return exitCode;
}

async function buildCommand(args: string[]): Promise<number> {
  const flags = parse(args, BUILD);
  if (flags.boolean('help')) return help();
  const options: BuildOptions = {
    ...commonOptions(flags),
    distro: flags.string('distro') ?? 'el9',
    out: absolutePath(flags.string('out') ?? 'out'),
    findLinks: flags.list('find-links'),
    meta: flags.boolean('meta'),
    ...optional('arch', flags.string('arch')),
    ...optional('release', flags.string('release')),
    ...optional('interpreterHome', flags.string('interpreter-home')),
    ...optional('interpreterModule', flags.string('interpreter-module')),
    ...optional('refName', process.env.GITHUB_REF_TYPE === 'tag' || !process.env.GITHUB_REF_TYPE ? process.env.GITHUB_REF_NAME : undefined),
  };
  const log = streamLog((text) => process.stderr.write(redact(text)), flags.boolean('quiet'));
  const smoke = await smokeTestFlag(flags, log);
  if (smoke) options.smokeTest = smoke;
  const { text, exitCode } = flags.boolean('all') ? await runBuildAll(options, log) : await runBuild(options, log);
  process.stdout.write(text);
  return exitCode;
}

const AUDIT: OptionSpec = {
  interpreter: { type: 'string' },
  distro: { type: 'string', default: 'el9' },
  format: { type: 'string', default: 'text' },
  modulefile: { type: 'string' },
  'interpreter-home': { type: 'string' },
  'interpreter-module': { type: 'string' },
  'smoke-test': { type: 'boolean' },
  'no-smoke-test': { type: 'boolean' },
  'smoke-command': { type: 'string' },
  python: { type: 'string' },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};

/** --smoke-test / --no-smoke-test, defaulting to on for root (when the machine can run it). */
async function smokeTestFlag(flags: Flags, log: Log): Promise<{ command?: string } | undefined> {
  const asked = flags.boolean('no-smoke-test') ? false : flags.boolean('smoke-test') ? true : undefined;
  const on = await resolveSmokeTest(asked, process.getuid?.() === 0, log);
  const command = flags.string('smoke-command');
  return on ? (command ? { command } : {}) : undefined;
}

async function auditCommand(args: string[]): Promise<number> {
  const [rpm, ...rest] = args;
  if (rpm === '--help' || rpm === '-h') return help();
  if (rpm === undefined || rpm.startsWith('-')) throw new UsageError(`audit needs the path of a binary RPM first: ${TOOL_NAME} audit FILE.rpm [options]`);
  const flags = parse(rest, AUDIT);
  const format = parseFormat(flags.string('format') ?? 'text');
  const log = streamLog((text) => process.stderr.write(text), flags.boolean('quiet'));
  const smoke = await smokeTestFlag(flags, log);
  const { result, exitCode } = await runAudit({
    rpm: absolutePath(rpm),
    ...(smoke ? { smokeTest: { ...smoke, ...optional('python', flags.string('python')) } } : {}),
    distro: flags.string('distro') ?? 'el9',
    ...optional('interpreter', parseInterpreter(flags.string('interpreter'))),
    ...optional('modulefile', flags.string('modulefile') && absolutePath(flags.string('modulefile') ?? '')),
    ...optional('interpreterHome', flags.string('interpreter-home')),
    ...optional('interpreterModule', flags.string('interpreter-module')),
  }, log);
  process.stdout.write(renderAudit(format, result));
  return exitCode;
}

function help(): number {
  process.stdout.write(HELP);
  return 0;
}

async function matrixCommand(args: string[]): Promise<number> {
  const flags = parse(args, { project: { type: 'string', default: '.' }, config: { type: 'string' }, help: { type: 'boolean', default: false } });
  if (flags.boolean('help')) return help();
  const config = flags.string('config');
  process.stdout.write(`${renderMatrix(matrixFor(absolutePath(flags.string('project') ?? '.'), config && absolutePath(config)))}\n`);
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { verify: verifyCommand, build: buildCommand, audit: auditCommand, matrix: matrixCommand };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stdout.write(HELP);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') return help();
  if (command === '--version') {
    process.stdout.write(`${TOOL_VERSION}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command "${command}"; run \`${TOOL_NAME} --help\``);
  return run(rest);
}

stopCleanlyOnSignals();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${TOOL_NAME}: ${redact(errorLine(error))}\n`);
    if (process.env.PHOREUS_RPM_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 2;
  },
);
