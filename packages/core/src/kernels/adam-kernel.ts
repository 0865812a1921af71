import * as tf from '@tensorflow/tfjs-core';
import { arrayIO } from './array-io.js';

/**
 * One Adam update of one variable as a single kernel, for backends whose data lives in CPU memory
 * (cpu, wasm): inputs x, m, v, g; attrs alpha (the bias-corrected step size), beta1, beta2, epsHat;
 * outputs the new x, m and v. Written with ops, the same update is ~10 kernels per variable, each
 * with tfjs's fixed per-kernel cost.
 */
export const ADAM_KERNEL = 'DiffeoAdamUpdate';

export interface AdamAttrs {
  alpha: number;
  beta1: number;
  beta2: number;
  epsHat: number;
}

for (const [backendName, io] of Object.entries(arrayIO)) {
  if (tf.getKernel(ADAM_KERNEL, backendName) !== undefined) continue;
  tf.registerKernel({
    kernelName: ADAM_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { alpha, beta1, beta2, epsHat } = attrs as unknown as AdamAttrs;
      const x = io.read(backend, inputs.x!);
      const m = io.read(backend, inputs.m!);
      const v = io.read(backend, inputs.v!);
      const g = io.read(backend, inputs.g!);
      const n = x.length;
      const x1 = new Float32Array(n);
      const m1 = new Float32Array(n);
      const v1 = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const mi = beta1 * m[i]! + (1 - beta1) * gi;
        const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
        m1[i] = mi;
        v1[i] = vi;
        x1[i] = x[i]! - (alpha * mi) / (Math.sqrt(vi) + epsHat);
      }
      const shape = inputs.x!.shape;
      return [io.write(backend, shape, x1), io.write(backend, shape, m1), io.write(backend, shape, v1)];
    },
  });
}
