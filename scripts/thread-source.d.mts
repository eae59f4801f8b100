import type { Plugin } from 'vite';

export const THREAD_IMPORT: RegExp;
export function threadFile(specifier: string, importerDir: string): string;
export function threadSource(file: string): Promise<{ code: string; inputs: string[] }>;
export function threadSources(): Plugin;
