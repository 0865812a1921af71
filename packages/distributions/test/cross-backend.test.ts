// The same flows on the wasm backend and on cpu (the reference backend): log-densities, samples and
// gradients must agree, so numerics that differ between backends (softplus, log1p, ...) are caught.
import { useBackend } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { flowsForFlowsNSF, maf, nsf, realNVP } from '../src/architectures.js';
import type { Flow } from '../src/flow.js';

function perturb(flow: Flow): void {
  flow.namedVariables().forEach(({ variable }, i) => {
    if (variable.trainable)
      variable.assign(tf.add(variable, tf.randomNormal(variable.shape, 0, 0.2, 'float32', i)));
  });
}

async function evaluate(flow: Flow, backend: 'cpu' | 'wasm') {
  await useBackend(backend);
  // Points in the bulk, in the spline tails and beyond the tail bound.
  const x = tf.tensor2d([
    [0.1, -0.3],
    [2.9, -3.5],
    [-6, 7],
    [1e-3, 5],
    [-2, 2],
  ]);
  const vars = flow
    .namedVariables()
    .filter((v) => v.variable.trainable)
    .map((v) => v.variable);
  const { value, grads } = tf.variableGrads(() => tf.neg(tf.mean(flow.logProb(x))) as tf.Scalar, vars);
  const out = {
    logProb: Array.from(flow.logProb(x).dataSync()),
    sample: Array.from(flow.sample(4, { seed: 7 }).dataSync()),
    loss: value.dataSync()[0]!,
    grads: vars.flatMap((v) => Array.from(grads[v.name]!.dataSync())),
  };
  tf.dispose([x, value, ...Object.values(grads)]);
  return out;
}

const close = (a: number[], b: number[], tol: number) => {
  expect(a.length).toBe(b.length);
  const worst = a.reduce((w, v, i) => Math.max(w, Math.abs(v - b[i]!) / (1 + Math.abs(b[i]!))), 0);
  expect(worst).toBeLessThan(tol);
};

describe('wasm agrees with cpu', () => {
  for (const [name, build] of [
    ['RealNVP', () => realNVP({ dim: 2, numTransforms: 3, hiddenFeatures: 16, seed: 1 })],
    ['MAF', () => maf({ dim: 2, numTransforms: 3, hiddenFeatures: 16, seed: 1 })],
    ['NSF coupling', () => nsf({ dim: 2, kind: 'coupling', numTransforms: 2, hiddenFeatures: 16, seed: 1 })],
    ['flows-for-flows NSF', () => flowsForFlowsNSF({ dim: 2, seed: 1 })],
  ] as const) {
    it(`${name}: log-densities, samples and gradients`, async () => {
      await useBackend('cpu');
      const flow = build();
      perturb(flow);
      const cpu = await evaluate(flow, 'cpu');
      const wasm = await evaluate(flow, 'wasm');
      close(wasm.logProb, cpu.logProb, 1e-4);
      close(wasm.sample, cpu.sample, 1e-4);
      close([wasm.loss], [cpu.loss], 1e-5);
      close(wasm.grads, cpu.grads, 1e-3);
      flow.dispose();
    });
  }
});
