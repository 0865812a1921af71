import * as tf from '@tensorflow/tfjs-core';
import type { AffineMask } from './affine-mask.js';
import { registerGradientOnce, registerKernelOnce } from './register-once.js';
import { heapOf, pointerOf, withScratch } from './wasm-heap.js';
import { requireWasmKernels } from './wasm-module.js';

/**
 * The masked affine map `x (W * M) + b` (then ReLU) as one kernel: inputs x [batch, in], weight
 * [in, out] and bias [out]; attributes `relu` and `mask`, the layer's `AffineMask` (the mask and
 * its block lists). `maskedAffineOp` calls it.
 */
export const MASKED_AFFINE_KERNEL = 'DiffeoMaskedAffine';
/** Its gradient: inputs x, weight, dy and the output y, the same attributes; outputs dx, dW, db. */
export const MASKED_AFFINE_GRAD_KERNEL = 'DiffeoMaskedAffineGrad';

/**
 * The attributes of both kernels. The mask is an attribute, not an input: a layer's constant, it
 * outlives every step, so the gradient takes it from here instead of the engine cloning its three
 * tensors onto the tape at every call.
 */
export interface MaskedAffineAttrs {
  relu: boolean;
  mask: AffineMask;
}

function attrsOf(attrs: tf.NamedAttrMap | undefined): MaskedAffineAttrs {
  return attrs as unknown as MaskedAffineAttrs;
}

const forward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { kernels } = requireWasmKernels(backend, MASKED_AFFINE_KERNEL);
  const { x, weight, bias } = inputs as Record<string, tf.TensorInfo>;
  const { relu, mask } = attrsOf(attrs);
  const heap = heapOf(backend);
  const [m, k] = x!.shape as [number, number];
  const n = weight!.shape[1]!;
  const y = heap.makeOutput([m, n], 'float32');
  if (m * n === 0) return y;
  const at = (t: tf.TensorInfo | undefined) => pointerOf(heap, t!);
  withScratch(heap, kernels.masked_affine_scratch(k, n) * 4, (scratch) =>
    kernels.masked_affine(
      m,
      n,
      k,
      at(x),
      at(weight),
      at(mask.mask),
      at(mask.rows),
      at(bias),
      relu ? 1 : 0,
      at(y),
      scratch,
    ),
  );
  return y;
};

const gradient: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { kernels } = requireWasmKernels(backend, MASKED_AFFINE_GRAD_KERNEL);
  const { x, weight, dy, y } = inputs as Record<string, tf.TensorInfo>;
  const { relu, mask } = attrsOf(attrs);
  const heap = heapOf(backend);
  const [m, k] = x!.shape as [number, number];
  const n = weight!.shape[1]!;
  const dx = heap.makeOutput([m, k], 'float32');
  const dw = heap.makeOutput([k, n], 'float32');
  const db = heap.makeOutput([n], 'float32');
  if (m * n * k === 0) {
    for (const t of [dx, dw, db]) heap.typedArrayFromHeap(t).fill(0);
    return [dx, dw, db];
  }
  const at = (t: tf.TensorInfo | undefined) => pointerOf(heap, t!);
  withScratch(heap, kernels.masked_affine_grad_scratch(m, n, k) * 4, (scratch) =>
    kernels.masked_affine_grad(
      m,
      n,
      k,
      at(x),
      at(weight),
      at(mask.mask),
      at(mask.rows),
      at(mask.cols),
      at(dy),
      at(y),
      relu ? 1 : 0,
      at(dx),
      at(dw),
      at(db),
      scratch,
    ),
  );
  return [dx, dw, db];
};

/** One tape entry: the gradient kernel gives all three gradients at once. */
function registerMaskedAffineGradient(): void {
  registerGradientOnce({
    kernelName: MASKED_AFFINE_KERNEL,
    inputsToSave: ['x', 'weight'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, weight, y] = saved as tf.Tensor[];
      const [dx, dw, db] = tf
        .engine()
        .runKernel(
          MASKED_AFFINE_GRAD_KERNEL,
          { x: x!, weight: weight!, dy: dy as tf.Tensor, y: y! },
          attrs,
        ) as tf.Tensor[];
      return { x: () => dx!, weight: () => dw!, bias: () => db! };
    },
  });
}

/** Registers `DiffeoMaskedAffine` for wasm, with its gradient. Idempotent; always succeeds. */
export function installWasmMaskedAffine(): boolean {
  registerKernelOnce({ kernelName: MASKED_AFFINE_KERNEL, backendName: 'wasm', kernelFunc: forward });
  registerMaskedAffineGradient();
  return true;
}

/** Registers `DiffeoMaskedAffineGrad` for wasm. Idempotent; always succeeds. */
export function installWasmMaskedAffineGrad(): boolean {
  registerKernelOnce({ kernelName: MASKED_AFFINE_GRAD_KERNEL, backendName: 'wasm', kernelFunc: gradient });
  return true;
}
