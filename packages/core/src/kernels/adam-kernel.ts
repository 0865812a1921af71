import * as tf from '@tensorflow/tfjs-core';
import { arrayIO } from './array-io.js';
import { registerKernelOnce } from './register-once.js';
import { heapOf, pointerOf } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

/**
 * One Adam update of every variable of a step as a single kernel, for backends whose data lives in
 * CPU memory (cpu, wasm): inputs `x0, m0, v0, g0, x1, m1, ...` (the variable, its two moments and
 * its gradient, for each variable i); attrs alpha (the bias-corrected step size), beta1, beta2,
 * epsHat; outputs the new x, m and v of each variable in turn (`[x0, m0, v0, x1, ...]`). Written
 * with ops, the update is ~10 kernels per variable, each with tfjs's fixed per-kernel cost.
 */
export const ADAM_KERNEL = 'DiffeoAdamUpdate';

/** The kernel inputs of an update of `variables` ({@link ADAM_KERNEL}). */
export function adamInputs(
  variables: readonly { x: tf.Tensor; m: tf.Tensor; v: tf.Tensor; g: tf.Tensor }[],
): tf.NamedTensorMap {
  const inputs: tf.NamedTensorMap = {};
  variables.forEach(({ x, m, v, g }, i) => {
    inputs[`x${i}`] = x;
    inputs[`m${i}`] = m;
    inputs[`v${i}`] = v;
    inputs[`g${i}`] = g;
  });
  return inputs;
}

/** The variables of an update's inputs, in order: their x, m, v and g. */
function variablesOf(inputs: tf.NamedTensorInfoMap): tf.TensorInfo[][] {
  const count = Object.keys(inputs).length / 4;
  return Array.from({ length: count }, (_, i) => names.map((k) => inputs[`${k}${i}`]!));
}

export interface AdamAttrs {
  alpha: number;
  beta1: number;
  beta2: number;
  epsHat: number;
}

type Values = ArrayLike<number>;

function update(
  { alpha, beta1, beta2, epsHat }: AdamAttrs,
  [x, m, v, g]: [Values, Values, Values, Values],
  [x1, m1, v1]: [Float32Array, Float32Array, Float32Array],
): void {
  for (let i = 0; i < x.length; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * gi;
    const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
    m1[i] = mi;
    v1[i] = vi;
    x1[i] = x[i]! - (alpha * mi) / (Math.sqrt(vi) + epsHat);
  }
}

const names = ['x', 'm', 'v', 'g'] as const;

/** Registers the fused Adam update for `backend`. Idempotent. */
export function installAdamKernel(backendName: 'cpu' | 'wasm'): boolean {
  registerKernelOnce(backendName === 'cpu' ? cpuAdam : wasmAdam);
  return true;
}

const cpuAdam: tf.KernelConfig = {
  kernelName: ADAM_KERNEL,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const io = arrayIO.cpu;
    return variablesOf(inputs).flatMap((ins) => {
      const n = tf.util.sizeFromShape(ins[0]!.shape);
      const outs = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
      const [x, m, v, g] = ins.map((t) => io.read(backend, t));
      update(attrs as unknown as AdamAttrs, [x!, m!, v!, g!], [...outs]);
      return outs.map((o) => io.write(backend, ins[0]!.shape, o));
    });
  },
};

const wasmAdam: tf.KernelConfig = {
  kernelName: ADAM_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    // Straight on the wasm heap, no copies: wasm/adam.c in float32 SIMD (the update in float32,
    // as tf.train.adam computes it) once core's wasm kernels are loaded, else the JS loop.
    // Outputs are allocated first: an allocation can grow the heap, which detaches every view
    // taken before it.
    const heap = heapOf(backend);
    const variables = variablesOf(inputs);
    const outs = variables.map(([x]) => [0, 1, 2].map(() => heap.makeOutput(x!.shape, 'float32')));
    const loaded = wasmKernelsOf(backend);
    variables.forEach((ins, i) => {
      const mine = outs[i]!;
      if (loaded !== undefined) {
        const { alpha, beta1, beta2, epsHat } = attrs as unknown as AdamAttrs;
        const [x, m, v, g] = ins.map((t) => pointerOf(heap, t));
        const [x1, m1, v1] = mine.map((t) => pointerOf(heap, t));
        const n = tf.util.sizeFromShape(ins[0]!.shape);
        loaded.kernels.adam(n, x!, m!, v!, g!, x1!, m1!, v1!, alpha, beta1, beta2, epsHat);
        return;
      }
      const view = (t: tf.TensorInfo) => heap.typedArrayFromHeap(t);
      const [x, m, v, g] = ins.map(view);
      const [x1, m1, v1] = mine.map(view);
      update(attrs as unknown as AdamAttrs, [x!, m!, v!, g!], [x1!, m1!, v1!]);
    });
    return outs.flat();
  },
};
