/** Mode matrix: the (interpreter, distro) pairs of phoreus.yaml, as the matrix output. */
import * as core from '@actions/core';
import { matrixFor, renderMatrix } from '../commands/matrix-command.js';
import { absolutePath } from '../inputs/options.js';
import { actionLog, input } from './common.js';

export async function matrixMode(workspace: string): Promise<void> {
  const project = absolutePath(input('project') ?? '.', workspace);
  const config = input('config');
  const matrix = renderMatrix(matrixFor(project, config && absolutePath(config, workspace)));
  actionLog.info(matrix);
  core.setOutput('matrix', matrix);
}
