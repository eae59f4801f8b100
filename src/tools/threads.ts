/**
 * The source of a worker thread: a module of src/ compiled, with what it imports, into one
 * CommonJS script for `new Worker(source, { eval: true })`. The bundles carry each one
 * compiled (scripts/bundle.mjs defines PHOREUS_THREAD_SOURCES); run from the TypeScript
 * sources (the tests, @github/local-action), it is compiled here by esbuild, a development
 * dependency, once per process.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const PHOREUS_THREAD_SOURCES: Record<string, string> | undefined;

const compiled = new Map<string, string>();

/** The script of the thread whose module is `module`, relative to src/ ("audit/payload-thread.ts"). */
export function threadSource(module: string): string {
  if (typeof PHOREUS_THREAD_SOURCES !== 'undefined') {
    const source = PHOREUS_THREAD_SOURCES[module];
    if (source === undefined) throw new Error(`the bundle carries no thread ${module}`);
    return source;
  }
  let source = compiled.get(module);
  if (source === undefined) {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const src = dirname(dirname(fileURLToPath(import.meta.url)));
    const [output] = esbuild.buildSync({ entryPoints: [join(src, module)], bundle: true, write: false, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent' }).outputFiles;
    source = output?.text ?? '';
    compiled.set(module, source);
  }
  return source;
}
