/** The command-line twin of the action: the same pipeline, with flags instead of inputs. */
import { AUDIT_OPTIONS, auditCommand } from './cli/audit.js';
import { BUILD_OPTIONS, buildCommand } from './cli/build.js';
import { renameToolVersion, requestOf, type OptionSpec } from './cli/flags.js';
import { AUDIT_HELP, BUILD_HELP, MATRIX_HELP, PUBLISH_HELP, TOOL_HELP, VERIFY_HELP } from './cli/help.js';
import { MATRIX_OPTIONS, matrixCommand } from './cli/matrix.js';
import { PUBLISH_OPTIONS, publishCommand } from './cli/publish.js';
import { VERIFY_OPTIONS, verifyCommand } from './cli/verify.js';
import { errorLine, exitStatus, UsageError } from './core/errors.js';
import { TOOL_NAME, TOOL_VERSION } from './core/about.js';
import { redact } from './core/redact.js';
import { superviseRun } from './tools/lifecycle.js';

interface Command {
  options: OptionSpec;
  run(args: string[]): Promise<number>;
  help: string;
  /** Whether the command once took --version VALUE for the packaged tool's version. */
  takesToolVersion: boolean;
}

const COMMANDS: Record<string, Command> = {
  verify: { options: VERIFY_OPTIONS, run: verifyCommand, help: VERIFY_HELP, takesToolVersion: true },
  build: { options: BUILD_OPTIONS, run: buildCommand, help: BUILD_HELP, takesToolVersion: true },
  audit: { options: AUDIT_OPTIONS, run: auditCommand, help: AUDIT_HELP, takesToolVersion: false },
  matrix: { options: MATRIX_OPTIONS, run: matrixCommand, help: MATRIX_HELP, takesToolVersion: false },
  publish: { options: PUBLISH_OPTIONS, run: publishCommand, help: PUBLISH_HELP, takesToolVersion: false },
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
  const request = requestOf(args, command.options);
  if (request === 'help') return print(command.help);
  if (request === 'version') return print(`${TOOL_VERSION}\n`);
  return command.run(args);
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
