import type * as tf from '@tensorflow/tfjs-core';
import type { AffineMask } from './affine-mask.js';
import { registerKernelOnce } from './register-once.js';
import { heapOf, pointerOf, withScratch } from './wasm-heap.js';
import { requireWasmKernels } from './wasm-module.js';

/**
 * A MADE's masked residual block `h + relu(relu(h) (W1 * M1) + b1) (W2 * M2) + b2` as one kernel:
 * inputs h [batch, H], w1, w2 [H, H], b1, b2 [H]; attributes the two layers' `AffineMask`s and
 * `keepHidden` (the hidden layer u = relu(relu(h) (W1 * M1) + b1) as a second output, for the
 * gradient). `maskedResidualBlockOp` calls it.
 */
export const MASKED_RESIDUAL_BLOCK_KERNEL = 'DiffeoMaskedResidualBlock';
/** Its gradient: inputs dy, h, w1, w2 and u; the same attributes; outputs dh, dw1, db1, dw2, db2. */
export const MASKED_RESIDUAL_BLOCK_GRAD_KERNEL = 'DiffeoMaskedResidualBlockGrad';

/** The attributes of both kernels (the masks are constants of the layers, as for `DiffeoMaskedAffine`). */
export interface MaskedResidualBlockAttrs {
  mask1: AffineMask;
  mask2: AffineMask;
  keepHidden?: boolean;
}

const attrsOf = (attrs: tf.NamedAttrMap | undefined) => attrs as unknown as MaskedResidualBlockAttrs;

/**
 * The block on the heap: wasm/unary.c's ReLU, the two masked layers of wasm/gemm-masked.c (the
 * first with its ReLU) and wasm/binary.c's add, the numbers of the separate kernels; only their
 * kernel calls, tape entries and intermediate tensors are gone.
 */
const forward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { kernels: k } = requireWasmKernels(backend, MASKED_RESIDUAL_BLOCK_KERNEL);
  const { h, w1, b1, w2, b2 } = inputs as Record<string, tf.TensorInfo>;
  const { mask1, mask2, keepHidden = false } = attrsOf(attrs);
  const [m, width] = h!.shape as [number, number];
  const heap = heapOf(backend);
  const out = heap.makeOutput([m, width], 'float32');
  const kept = keepHidden ? heap.makeOutput([m, width], 'float32') : undefined;
  const outs = kept === undefined ? out : [out, kept];
  const size = m * width;
  if (size === 0) return outs;
  const at = (t: tf.TensorInfo) => pointerOf(heap, t);
  // relu(h), u when it is not an output, the masked layers' scratch.
  const floats = 2 * size + k.masked_affine_scratch(width, width);
  withScratch(heap, floats * 4, (scratch) => {
    const relu = scratch;
    const u = kept === undefined ? relu + size * 4 : at(kept);
    const layer = relu + 2 * size * 4;
    k.relu(size, at(h!), relu);
    k.masked_affine(m, width, width, relu, at(w1!), at(mask1.mask), at(mask1.rows), at(b1!), 1, u, layer);
    k.masked_affine(m, width, width, u, at(w2!), at(mask2.mask), at(mask2.rows), at(b2!), 0, at(out), layer);
    k.binary(0, size, at(h!), size, at(out), at(out));
  });
  return outs;
};

/**
 * dW2, db2 and du from the second layer's gradient kernel, dW1, db1 and da from the first's (its
 * ReLU's gradient taken from u), dh = dy + da * step(h) (wasm/residual-grad.c), as the tape of the
 * separate kernels adds them.
 */
const gradient: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { kernels: k } = requireWasmKernels(backend, MASKED_RESIDUAL_BLOCK_GRAD_KERNEL);
  const { dy, h, w1, w2, u } = inputs as Record<string, tf.TensorInfo>;
  const { mask1, mask2 } = attrsOf(attrs);
  const [m, width] = h!.shape as [number, number];
  const heap = heapOf(backend);
  const outs = [[m, width], [width, width], [width], [width, width], [width]].map((shape) =>
    heap.makeOutput(shape, 'float32'),
  );
  const size = m * width;
  if (size === 0) {
    for (const t of outs) heap.typedArrayFromHeap(t).fill(0);
    return outs;
  }
  const at = (t: tf.TensorInfo) => pointerOf(heap, t);
  const [dh, dw1, db1, dw2, db2] = outs.map(at) as number[];
  // du, relu(h), da, the masked layers' scratch.
  const floats = 3 * size + k.masked_affine_grad_scratch(m, width, width);
  withScratch(heap, floats * 4, (scratch) => {
    const du = scratch;
    const relu = du + size * 4;
    const da = relu + size * 4;
    const layer = da + size * 4;
    const [pdy, ph, pu] = [at(dy!), at(h!), at(u!)];
    const [m1, m2] = [mask1, mask2].map((mask) => [at(mask.mask), at(mask.rows), at(mask.cols)] as const);
    k.masked_affine_grad(m, width, width, pu, at(w2!), ...m2!, pdy, 0, 0, du, dw2!, db2!, layer);
    k.relu(size, ph, relu);
    k.masked_affine_grad(m, width, width, relu, at(w1!), ...m1!, du, pu, 1, da, dw1!, db1!, layer);
    k.relu_grad_add(size, pdy, da, ph, dh!);
  });
  return outs;
};

/** Registers `DiffeoMaskedResidualBlock` for wasm. It has no registered gradient: see `maskedResidualBlockOp`. */
export function installWasmMaskedResidualBlock(): boolean {
  registerKernelOnce({ kernelName: MASKED_RESIDUAL_BLOCK_KERNEL, backendName: 'wasm', kernelFunc: forward });
  return true;
}

/** Registers `DiffeoMaskedResidualBlockGrad` for wasm. */
export function installWasmMaskedResidualBlockGrad(): boolean {
  registerKernelOnce({
    kernelName: MASKED_RESIDUAL_BLOCK_GRAD_KERNEL,
    backendName: 'wasm',
    kernelFunc: gradient,
  });
  return true;
}
