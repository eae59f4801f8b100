/** Progress messages: stderr from the CLI (stdout carries the report); on a runner, workflow commands (action/common.ts). */
import { outward } from './outward.js';

export interface Log {
  info(message: string): void;
  warning(message: string): void;
  group<T>(name: string, body: () => Promise<T>): Promise<T>;
}

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
