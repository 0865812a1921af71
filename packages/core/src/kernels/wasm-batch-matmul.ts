import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel.js';
import { gemmOnHeap } from './wasm-gemm.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];

/**
 * Runs a stock matrix-product kernel with its operands transposed explicitly (through the faster
 * `Transpose`) and its transpose flags cleared. The stock flag paths are slow (22 ms instead of
 * 1.8 ms for 1024x128 . 128x128 in Node) and, in `_FusedMatMul` with both flags set, wrong
 * (tfjs 4.22: a 2x3 . 3x2 product with bias and elu gave -0.918 where 2.6 is right).
 */
function withExplicitTransposes(stock: KernelFunc, transposeFn: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return stock({ inputs, backend, attrs });
    const t = (x: tf.TensorInfo): tf.TensorInfo => {
      const rank = x.shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      return transposeFn({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
    };
    const a = transposeA ? t(inputs.a!) : inputs.a!;
    const b = transposeB ? t(inputs.b!) : inputs.b!;
    const out = stock({
      inputs: { ...inputs, a, b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    const data = backend as unknown as { disposeData(id: object): void };
    if (transposeA) data.disposeData(a.dataId);
    if (transposeB) data.disposeData(b.dataId);
    return out;
  };
}

type KernelArgs = Parameters<KernelFunc>[0];

/**
 * Replaces the wasm matrix-product kernel `name` with `ours`, which returns undefined where it
 * does not apply; there the stock kernel runs with explicit transposes. False when the wasm
 * backend is not loaded.
 */
function replaceMatMul(name: string, ours: (args: KernelArgs) => tf.TensorInfo | undefined): boolean {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose === undefined) return false;
  return replaceKernel(name, 'wasm', (stock) => {
    const fallback = withExplicitTransposes(stock, transpose.kernelFunc);
    return (args) => ours(args) ?? fallback(args);
  });
}

/**
 * Replaces the wasm backend's `BatchMatMul` with Diffeo's matrix product (`wasm/gemm.c`), which
 * reads transposed operands through strides: 1.2-2x faster than XNNPACK on one thread on the
 * shapes of flows, and several times on tiny ones (no operator set-up per call). Where it does not
 * apply (not loaded, other dtypes, large products when XNNPACK has threads), the stock kernel
 * runs, with transposes done explicitly first. Called by `useBackend('wasm')`.
 */
export function installWasmBatchMatMul(): boolean {
  return replaceMatMul('BatchMatMul', ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    return gemmOnHeap(backend, { a: inputs.a!, b: inputs.b!, transposeA, transposeB });
  });
}

/**
 * Replaces the wasm backend's `_FusedMatMul` (tf.fused.matMul) with Diffeo's matrix product when
 * the activation is linear or ReLU, with or without a bias vector over the output's columns (the
 * bias and the ReLU are applied as the results leave the registers). Other cases go to the stock
 * kernel with explicit transposes. Called by `useBackend('wasm')`.
 */
export function installWasmFusedMatMul(): boolean {
  return replaceMatMul('_FusedMatMul', ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB, activation } = attrs as unknown as tf._FusedMatMulAttrs;
    if ((activation !== 'linear' && activation !== 'relu') || inputs.preluActivationWeights !== undefined) {
      return undefined;
    }
    return gemmOnHeap(backend, {
      a: inputs.a!,
      b: inputs.b!,
      transposeA,
      transposeB,
      ...(inputs.bias === undefined ? {} : { bias: inputs.bias }),
      relu: activation === 'relu',
    });
  });
}
