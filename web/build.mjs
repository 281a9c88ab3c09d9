// Bundles src/circles-client.js and its @noble dependencies into the one
// ES module that transport/web embeds. `node build.mjs [OUTFILE]`; the
// default OUTFILE is the committed bundle. The Go test
// TestBundleMatchesSources runs this with a temporary OUTFILE and compares.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = process.argv[2] ?? path.join(here, '..', 'transport', 'web', 'static', 'circles-client.js');

await build({
  entryPoints: [path.join(here, 'src', 'circles-client.js')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  minify: true,
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
  banner: { js: '// circles-client: built from web/src by `make web` (esbuild); do not edit.' },
});
