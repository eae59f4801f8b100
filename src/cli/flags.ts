/** Command-line flags: the options each command accepts, parsed strictly, read through typed accessors. */
import { parseArgs } from 'node:util';
import { absolutePath, optional, parseInterpreter, type VerifyOptions } from '../inputs/options.js';
import { UsageError } from '../core/errors.js';
import { TOOL_NAME } from '../core/about.js';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean | string[] }>;

/** Every command takes -h/--help (its own help) and -V/--version (this tool's version). */
const CONVENTIONS: OptionSpec = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

/** The options verify and build share: the project and how to resolve it. */
export const PROJECT_OPTIONS: OptionSpec = {
  project: { type: 'string', default: '.' },
  interpreter: { type: 'string' },
  config: { type: 'string' },
  tool: { type: 'string' },
  'tool-version': { type: 'string' },
  'index-url': { type: 'string' },
  'extra-index-url': { type: 'string', multiple: true, default: [] },
  python: { type: 'string' },
  quiet: { type: 'boolean', default: false },
};

/** Parsed flags and positionals, read through typed accessors. */
export class Flags {
  constructor(
    private readonly values: Record<string, string | boolean | Array<string | boolean> | undefined>,
    readonly positionals: readonly string[],
  ) {}

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

/** What the arguments ask of a command before anything else: its help, or this tool's version. */
export type Request = 'help' | 'version' | 'run';

/**
 * Help wins over everything, even a wrong flag beside it; then the version. Read leniently, so
 * that a value such as `--smoke-command --help` is not taken for a request.
 */
export function requestOf(args: string[], options: OptionSpec): Request {
  const { tokens } = parseArgs({ args, options: { ...options, ...CONVENTIONS }, strict: false, allowPositionals: true, tokens: true });
  const asked = (name: string): boolean => tokens.some((t) => t.kind === 'option' && t.name === name && t.value === undefined);
  if (asked('help')) return 'help';
  return asked('version') ? 'version' : 'run';
}

/**
 * `--version VALUE` after verify or build once meant the packaged tool's version: it is now
 * --tool-version, and the old spelling keeps working, with a warning, where a value follows.
 */
export function renameToolVersion(args: string[], warn: (message: string) => void): string[] {
  const renamed = args.map((arg, i) => {
    if (arg.startsWith('--version=')) return `--tool-version=${arg.slice('--version='.length)}`;
    const next = args[i + 1];
    return arg === '--version' && next !== undefined && !next.startsWith('-') ? '--tool-version' : arg;
  });
  if (renamed.some((arg, i) => arg !== args[i])) warn('--version VALUE is deprecated: the packaged tool\'s version is --tool-version VALUE; --version alone prints this tool\'s version');
  return renamed;
}

export function parseFlags(command: string, args: string[], options: OptionSpec, positionals = 0): Flags {
  try {
    const parsed = parseArgs({ args, strict: true, allowPositionals: positionals > 0, options });
    if (parsed.positionals.length > positionals) throw new Error(`unexpected argument '${parsed.positionals[positionals]}'`);
    return new Flags(parsed.values, parsed.positionals);
  } catch (error) {
    // Node's messages run on with advice about '--' and quoting; the first sentence says what is wrong.
    const [what] = (error as Error).message.split(/\.(?: |\n|$)/);
    throw new UsageError(`${what}; run \`${TOOL_NAME} ${command} --help\``);
  }
}

/** The options verify and build share, from their flags. */
export function projectOptions(flags: Flags): VerifyOptions {
  return {
    project: absolutePath(flags.string('project') ?? '.'),
    offline: false,
    extraIndexUrls: flags.list('extra-index-url'),
    ...optional('interpreter', parseInterpreter(flags.string('interpreter'))),
    ...optional('config', flags.string('config') && absolutePath(flags.string('config') ?? '')),
    ...optional('tool', flags.string('tool')),
    ...optional('version', flags.string('tool-version')),
    ...optional('indexUrl', flags.string('index-url')),
    ...optional('python', flags.string('python')),
  };
}
