import type * as tf from '@tensorflow/tfjs-core';
import { registerKernelOnce } from './register-once.js';
import { productOnHeap, productScratchFloats } from './wasm-gemm.js';
import { heapOf, pointerOf, withScratch } from './wasm-heap.js';
import { requireWasmKernels } from './wasm-module.js';
import { RESIDUAL_BLOCK_GRAD_KERNEL } from './wasm-residual.js';

/**
 * The inputs of a residual block's gradient: dy, h [batch, H], w1, w2 [H, H], and the hidden layer
 * u = relu(relu(h) w1 + b1) [batch, H] the forward kernel returned.
 */
export interface WasmResidualBlockGradInputs {
  dy: tf.TensorInfo;
  h: tf.TensorInfo;
  w1: tf.TensorInfo;
  w2: tf.TensorInfo;
  u: tf.TensorInfo;
}

/**
 * The gradient of `h + relu(relu(h) w1 + b1) w2 + b2` on the wasm heap, with `u` the hidden layer
 * (kept by the forward kernel): db2 = sum(dy), dw2 = u^T dy, dz = (dy w2^T) * step(u), db1 = sum(dz), dw1 = relu(h)^T dz,
 * dh = dy + (dz w1^T) * step(h). The products and sums are the ones tfjs's gradients of the
 * separate kernels run (wasm/gemm.c, gemm-sparse.c, column-sum.c), so are the numbers; only the
 * kernel calls and their intermediate tensors are gone. `[dh, dw1, db1, dw2, db2]`.
 */
export function residualBlockGradOnWasmHeap(
  backend: unknown,
  { dy, h, w1, w2, u }: WasmResidualBlockGradInputs,
): tf.TensorInfo[] {
  const loaded = requireWasmKernels(backend, RESIDUAL_BLOCK_GRAD_KERNEL);
  const k = loaded.kernels;
  const [m, H] = h.shape as [number, number];
  const heap = heapOf(backend);
  const outs = [[m, H], [H, H], [H], [H, H], [H]].map((shape) => heap.makeOutput(shape, 'float32'));
  const [pdh, pdw1, pdb1, pdw2, pdb2] = outs.map((t) => pointerOf(heap, t)) as number[];
  const [pdy, ph, pw1, pw2, pu] = [dy, h, w1, w2, u].map((t) => pointerOf(heap, t)) as number[];
  const size = m * H;
  // relu(h), dz, the column sums' float64 accumulator, the products' scratch.
  const productFloats = Math.max(
    productScratchFloats(k, H, H, m, true),
    productScratchFloats(k, m, H, H, false),
  );
  const floats = 2 * size + 2 * H + productFloats;
  withScratch(heap, Math.max(floats, 1) * 4, (scratch) => {
    const relu = scratch;
    const dz = relu + size * 4;
    const acc = dz + size * 4;
    const work = acc + H * 8;
    k.relu(size, ph!, relu);
    k.column_sum(m, H, pdy!, pdb2!, acc);
    productOnHeap(k, [H, H, m, pu!, 1, H, pdy!, H, 1, pdw2!, 0, 0], work);
    productOnHeap(k, [m, H, H, pdy!, H, 1, pw2!, 1, H, dz, 0, 0], work);
    k.relu_grad(size, dz, pu!, dz);
    k.column_sum(m, H, dz, pdb1!, acc);
    productOnHeap(k, [H, H, m, relu, 1, H, dz, H, 1, pdw1!, 0, 0], work);
    productOnHeap(k, [m, H, H, dz, H, 1, pw1!, 1, H, pdh!, 0, 0], work);
    k.relu_grad_add(size, pdy!, pdh!, ph!, pdh!);
  });
  return outs;
}

/** Registers `DiffeoResidualBlockGrad` for wasm (see {@link residualBlockGradOnWasmHeap}). Idempotent. */
export function installWasmResidualBlockGrad(): boolean {
  registerKernelOnce({
    kernelName: RESIDUAL_BLOCK_GRAD_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) =>
      residualBlockGradOnWasmHeap(backend, inputs as unknown as WasmResidualBlockGradInputs),
  });
  return true;
}
