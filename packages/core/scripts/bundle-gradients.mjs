// Bundles tfjs-core's gradient registrations into dist/gradients.node.js for plain Node ESM.
// The bundle carries its own copy of the op functions the gradients call; they dispatch to the one
// engine shared through tfjs's global namespace, so kernels, tensors and the tape are the same.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../src/gradients.ts', import.meta.url).pathname],
  outfile: new URL('../dist/gradients.node.js', import.meta.url).pathname,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  minifySyntax: true,
  logLevel: 'warning',
  legalComments: 'none',
});
