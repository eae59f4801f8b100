// Builds the two committed, self-contained bundles: dist/index.js (the action, from its entry
// point src/index.ts) and dist/cli.js. `--outdir DIR` writes them to DIR instead: the tests'
// global setup (test/support/bundle.ts) bundles the current sources so, never the committed dist/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const { values: { outdir } } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });

const packageJsonPath = fileURLToPath(new URL('../package.json', import.meta.url));

/**
 * src/core/about.ts reads this tool's name, version and home from package.json: only those
 * go into the bundles, so that they change with package.json only when the identity does.
 */
const toolIdentity = {
  name: 'tool-identity',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]package\.json$/ }, (args) => {
      if (args.path !== packageJsonPath) return undefined;
      const { name, version, homepage } = JSON.parse(readFileSync(args.path, 'utf8'));
      return { contents: JSON.stringify({ name, version, homepage }), loader: 'json' };
    });
  },
};

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [toolIdentity],
  // CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __phoreusCreateRequire } from 'node:module'; const require = __phoreusCreateRequire(import.meta.url);" },
};

await build({ ...shared, entryPoints: ['src/index.ts'], outfile: join(outdir, 'index.js') });
await build({
  ...shared,
  entryPoints: ['src/cli.ts'],
  outfile: join(outdir, 'cli.js'),
  banner: { js: `#!/usr/bin/env node\n${shared.banner.js}` },
});
