/** `matrix` on the command line: the (interpreter, distro) pairs of phoreus.yaml, as JSON on stdout. */
import { matrixFor, renderMatrix } from '../commands/matrix-command.js';
import { absolutePath } from '../inputs/options.js';
import { parseFlags, type OptionSpec } from './flags.js';

export const MATRIX_OPTIONS: OptionSpec = {
  project: { type: 'string', default: '.' },
  config: { type: 'string' },
};

export async function matrixCommand(args: string[]): Promise<number> {
  const flags = parseFlags('matrix', args, MATRIX_OPTIONS);
  const config = flags.string('config');
  process.stdout.write(`${renderMatrix(matrixFor(absolutePath(flags.string('project') ?? '.'), config && absolutePath(config)))}\n`);
  return 0;
}
