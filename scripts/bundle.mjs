// Builds the two committed, self-contained bundles: dist/index.js (the action, from its entry
// point src/index.ts) and dist/cli.js.
import { readFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

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

await build({ ...shared, entryPoints: ['src/index.ts'], outfile: 'dist/index.js' });
await build({
  ...shared,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  banner: { js: `#!/usr/bin/env node\n${shared.banner.js}` },
});
