/** The command-line twin of the action: the same pipeline, with flags instead of inputs. */
import { renameToolVersion, requestOf, type OptionSpec } from './cli/flags.js';
import { AUDIT_HELP, BUILD_HELP, MATRIX_HELP, PUBLISH_HELP, TOOL_HELP, VERIFY_HELP } from './cli/help.js';
import { errorLine, exitStatus, UsageError } from './core/errors.js';
import { TOOL_NAME, TOOL_VERSION } from './core/about.js';
import { redact } from './core/redact.js';
import { superviseRun } from './tools/lifecycle.js';

interface Command {
  /** Its options and what runs it, loaded once the command is named: a run loads only its own command's modules. */
  load(): Promise<{ options: OptionSpec; run(args: string[]): Promise<number> }>;
  help: string;
  /** Whether the command once took --version VALUE for the packaged tool's version. */
  takesToolVersion: boolean;
}

const COMMANDS: Record<string, Command> = {
  verify: { load: async () => { const m = await import('./cli/verify.js'); return { options: m.VERIFY_OPTIONS, run: m.verifyCommand }; }, help: VERIFY_HELP, takesToolVersion: true },
  build: { load: async () => { const m = await import('./cli/build.js'); return { options: m.BUILD_OPTIONS, run: m.buildCommand }; }, help: BUILD_HELP, takesToolVersion: true },
  audit: { load: async () => { const m = await import('./cli/audit.js'); return { options: m.AUDIT_OPTIONS, run: m.auditCommand }; }, help: AUDIT_HELP, takesToolVersion: false },
  matrix: { load: async () => { const m = await import('./cli/matrix.js'); return { options: m.MATRIX_OPTIONS, run: m.matrixCommand }; }, help: MATRIX_HELP, takesToolVersion: false },
  publish: { load: async () => { const m = await import('./cli/publish.js'); return { options: m.PUBLISH_OPTIONS, run: m.publishCommand }; }, help: PUBLISH_HELP, takesToolVersion: false },
};

const HELP_FLAGS = ['-h', '--help', 'help'];
const VERSION_FLAGS = ['-V', '--version'];

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}

function commandNamed(name: string): Command {
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; run \`${TOOL_NAME} --help\``);
  return command;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError(`a command is needed: ${Object.keys(COMMANDS).join(', ')}; run \`${TOOL_NAME} --help\``);
  if (HELP_FLAGS.includes(first)) {
    // `--help build` asks for the command's help, as `build --help` does.
    const topic = rest.find((arg) => !arg.startsWith('-'));
    return print(topic === undefined ? TOOL_HELP : commandNamed(topic).help);
  }
  if (VERSION_FLAGS.includes(first)) return print(`${TOOL_VERSION}\n`);
  const command = commandNamed(first);
  const args = command.takesToolVersion ? renameToolVersion(rest, (message) => process.stderr.write(`${TOOL_NAME}: warning: ${message}\n`)) : rest;
  const { options, run } = await command.load();
  const request = requestOf(args, options);
  if (request === 'help') return print(command.help);
  if (request === 'version') return print(`${TOOL_VERSION}\n`);
  return run(args);
}

superviseRun();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${TOOL_NAME}: ${redact(errorLine(error))}\n`);
    if (process.env.PHOREUS_RPM_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = exitStatus(error);
  },
);
