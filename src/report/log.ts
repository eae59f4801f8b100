/** Progress messages: workflow commands on a runner, stderr from the CLI (stdout carries the report). */
import * as core from '@actions/core';

export interface Log {
  info(message: string): void;
  warning(message: string): void;
  group<T>(name: string, body: () => Promise<T>): Promise<T>;
}

export const actionLog: Log = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  group: (name, body) => core.group(name, body),
};

export function streamLog(write: (text: string) => void, quiet = false): Log {
  return {
    info: (message) => { if (!quiet) write(`${message}\n`); },
    warning: (message) => write(`warning: ${message}\n`),
    group: async (name, body) => {
      if (!quiet) write(`== ${name}\n`);
      return body();
    },
  };
}
