/**
 * Outputs written whole or not at all: each goes to a temporary name beside its target and
 * is renamed into place, so a reader (or a refusal half-way) never sees half a file.
 */
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function viaTemporary(target: string, write: (temp: string) => void): void {
  mkdirSync(dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.partial`;
  try {
    write(temp);
    renameSync(temp, target);
  } finally {
    rmSync(temp, { force: true });
  }
}

export function writeWhole(target: string, content: string | Buffer): void {
  viaTemporary(target, (temp) => writeFileSync(temp, content));
}

export function copyWhole(source: string, target: string): void {
  viaTemporary(target, (temp) => copyFileSync(source, temp));
}
