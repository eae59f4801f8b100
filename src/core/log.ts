/** Progress messages: workflow commands on a runner, stderr from the CLI (stdout carries the report). */
import * as core from '@actions/core';
import { inertForRunner, outward } from './outward.js';

export interface Log {
  info(message: string): void;
  warning(message: string): void;
  group<T>(name: string, body: () => Promise<T>): Promise<T>;
}

/** On a runner: info lines go to stdout raw, so their workflow commands are made inert; warnings are escaped by the toolkit. */
export const actionLog: Log = {
  info: (message) => core.info(inertForRunner(outward(message))),
  warning: (message) => core.warning(outward(message)),
  group: (name, body) => core.group(outward(name), body),
};

export function streamLog(write: (text: string) => void, quiet = false): Log {
  return {
    info: (message) => { if (!quiet) write(`${outward(message)}\n`); },
    warning: (message) => write(`warning: ${outward(message)}\n`),
    group: async (name, body) => {
      if (!quiet) write(`== ${outward(name)}\n`);
      return body();
    },
  };
}
