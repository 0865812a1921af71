// `pnpm example`: train a neural spline flow on the checkerboard data set
// (generated, seeded, shipped with @diffeo/datasets) in Node on the wasm backend, and print its
// held-out log-likelihood next to the ideal one.
import { create, fit, useBackend } from '@diffeo/core';
import { toTensors } from '@diffeo/datasets';
import { nsf } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import cliProgress from 'cli-progress';

const steps = Number(process.env.QUICKSTART_STEPS ?? 2000);
const backend = await useBackend('wasm');
console.log(`backend: ${backend.name} (SIMD ${backend.wasm?.simd ? 'on' : 'off'})`);

const checkerboard = create({ kind: 'dataset', type: 'checkerboard' });
const train = toTensors(checkerboard.sample(20_000, { seed: 1 }));
const test = toTensors(checkerboard.sample(20_000, { seed: 2 }));

const flow = nsf({
  dim: 2,
  kind: 'coupling',
  numTransforms: 4,
  hiddenFeatures: 64,
  numBlocks: 2,
  tailBound: 4,
  seed: 0,
});
const heldOutNll = () => tf.tidy(() => -tf.mean(flow.logProb(test.x)).dataSync()[0]);
console.log(
  `neural spline flow, ${flow.namedVariables().length} variables; held-out NLL before training: ${heldOutNll().toFixed(3)} nats`,
);

const bar = new cliProgress.SingleBar(
  { format: 'training [{bar}] {value}/{total} steps | loss {loss} | {eta_formatted} left', hideCursor: true },
  cliProgress.Presets.shades_classic,
);
bar.start(steps, 0, { loss: '-' });
const start = performance.now();
const history = await fit(flow, train.x, {
  steps,
  batchSize: 256,
  learningRate: 1e-3,
  schedule: 'cosine',
  seed: 0,
  onStep: ({ step, loss }) => bar.update(step, { loss: loss.toFixed(3) }),
});
bar.stop();
const seconds = (performance.now() - start) / 1000;
const nll = heldOutNll();
console.log(
  `${history.steps} steps in ${seconds.toFixed(1)} s (${(history.steps / seconds).toFixed(1)} steps/s), stop reason: ${history.stopReason}`,
);
console.log(
  `held-out NLL ${nll.toFixed(3)} nats on 20,000 points (ideal: ln 32 = ${Math.log(32).toFixed(3)}), log-likelihood ${(-nll).toFixed(3)}`,
);
flow.dispose();
