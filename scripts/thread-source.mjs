// The source of a worker thread: a module of src/ compiled, with what it imports, into one
// CommonJS script for `new Worker(source, { eval: true })`. src/ imports it as
// `import source from './module.js?thread'`; the bundles (scripts/bundle.mjs) and the tests
// (vitest.config.ts) resolve such an import here.
import { dirname, resolve } from 'node:path';
import { build } from 'esbuild';

export const THREAD_IMPORT = /\?thread$/;

/** The TypeScript file a `./module.js?thread` import names. */
export function threadFile(specifier, importerDir) {
  return resolve(importerDir, specifier.replace(THREAD_IMPORT, '').replace(/\.js$/, '.ts'));
}

/** The module compiled into one script, and the files it was compiled from. */
export async function threadSource(file) {
  const result = await build({
    entryPoints: [file], bundle: true, write: false, metafile: true,
    platform: 'node', target: 'node20', format: 'cjs', legalComments: 'none', logLevel: 'warning',
  });
  return { code: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs).map((input) => resolve(input)) };
}

/** The same for the tests: a Vite plugin (vitest.config.ts). */
export function threadSources() {
  const PREFIX = '\0thread:';
  return {
    name: 'thread-sources',
    enforce: 'pre',
    resolveId(id, importer) {
      return THREAD_IMPORT.test(id) && importer ? `${PREFIX}${threadFile(id, dirname(importer))}` : undefined;
    },
    async load(id) {
      if (!id.startsWith(PREFIX)) return undefined;
      const { code, inputs } = await threadSource(id.slice(PREFIX.length));
      for (const input of inputs) this.addWatchFile(input);
      return `export default ${JSON.stringify(code)};`;
    },
  };
}
