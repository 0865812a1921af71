import * as tf from '@tensorflow/tfjs-core';
import { registerGradientOnce, registerKernelOnce } from './register-once.js';
import { productOnHeap, productScratchFloats } from './wasm-gemm.js';
import { heapOf, pointerOf, withScratch } from './wasm-heap.js';
import { requireWasmKernels } from './wasm-module.js';

/**
 * The kernel of a dense layer while gradients are recorded: inputs x [batch, in], w [in, out],
 * b [out]; attr relu; output `x w + b` (then ReLU). Its gradient is `DiffeoAffineGrad`, one
 * kernel, where the ops (product, add, ReLU) take ~8.
 */
export const AFFINE_TRAIN_KERNEL = 'DiffeoAffineTrain';

/** The gradient of `DiffeoAffineTrain`: inputs dy, x, w, y (its output); attr relu; outputs dx, dw, db. */
export const AFFINE_GRAD_KERNEL = 'DiffeoAffineGrad';

export interface AffineAttrs {
  relu: boolean;
}

/** A tensor's data seen with another shape (kernels find data by its id). */
function viewAs(t: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/**
 * The gradient of `y = act(x w + b)` on the wasm heap: dz = dy (times step(y) with the ReLU),
 * db = sum(dz), dw = x^T dz, dx = dz w^T, with the products and sums tfjs's gradients of the
 * separate kernels run (wasm/gemm.c, gemm-sparse.c, column-sum.c). `[dx, dw, db]`.
 */
function affineGradOnWasmHeap(
  backend: unknown,
  { dy, x, w, y }: Record<'dy' | 'x' | 'w' | 'y', tf.TensorInfo>,
  relu: boolean,
): tf.TensorInfo[] {
  const loaded = requireWasmKernels(backend, AFFINE_GRAD_KERNEL);
  const k = loaded.kernels;
  const [m, n] = dy.shape.slice(-2) as [number, number];
  const inner = x.shape.at(-1)!;
  const heap = heapOf(backend);
  const outs = [x.shape, w.shape, [n]].map((shape) => heap.makeOutput(shape, 'float32'));
  const [pdx, pdw, pdb] = outs.map((t) => pointerOf(heap, t)) as number[];
  const [pdy, px, pw, py] = [dy, x, w, y].map((t) => pointerOf(heap, t)) as number[];
  const productFloats = Math.max(
    productScratchFloats(k, inner, n, m, true),
    productScratchFloats(k, m, inner, n, false),
  );
  const masked = relu ? m * n : 0;
  withScratch(heap, (masked + 2 * n + productFloats) * 4, (scratch) => {
    const dz = relu ? scratch : pdy!;
    const acc = scratch + masked * 4;
    const work = acc + n * 8;
    if (relu) k.relu_grad(m * n, pdy!, py!, dz);
    k.column_sum(m, n, dz, pdb!, acc);
    productOnHeap(k, [inner, n, m, px!, 1, inner, dz, n, 1, pdw!, 0, 0], work);
    productOnHeap(k, [m, inner, n, dz, n, 1, pw!, 1, n, pdx!, 0, 0], work);
  });
  return outs;
}

/**
 * Registers `DiffeoAffineTrain` and `DiffeoAffineGrad` for wasm, and the gradient that ties them.
 * The forward pass is the wasm `_FusedMatMul` (core's product, bias and ReLU on store). Idempotent.
 */
export function installWasmAffine(): boolean {
  if (tf.getKernel('_FusedMatMul', 'wasm') === undefined) return false;
  registerKernelOnce({
    kernelName: AFFINE_TRAIN_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, w, b } = inputs as Record<'x' | 'w' | 'b', tf.TensorInfo>;
      const { relu } = attrs as unknown as AffineAttrs;
      const [m, inner] = x.shape as [number, number];
      const n = w.shape.at(-1)!;
      // Looked up per call: core replaces the stock kernel once the backend's package is loaded.
      const out = tf.getKernel('_FusedMatMul', 'wasm')!.kernelFunc({
        inputs: { a: viewAs(x, [1, m, inner]), b: viewAs(w, [1, inner, n]), bias: b },
        backend,
        attrs: {
          transposeA: false,
          transposeB: false,
          activation: relu ? 'relu' : 'linear',
          leakyreluAlpha: 0,
        },
      }) as tf.TensorInfo;
      return viewAs(out, [m, n]);
    },
  });
  registerKernelOnce({
    kernelName: AFFINE_GRAD_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) =>
      affineGradOnWasmHeap(
        backend,
        inputs as Record<'dy' | 'x' | 'w' | 'y', tf.TensorInfo>,
        (attrs as unknown as AffineAttrs).relu,
      ),
  });
  registerGradientOnce({
    kernelName: AFFINE_TRAIN_KERNEL,
    inputsToSave: ['x', 'w'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, w, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [dx, dw, db] = tf
        .engine()
        .runKernel(AFFINE_GRAD_KERNEL, { dy: dy as tf.Tensor, x, w, y }, attrs) as tf.Tensor[];
      return { x: () => dx!, w: () => dw!, b: () => db! };
    },
  });
  return true;
}
