import * as tf from '@tensorflow/tfjs-core';
import { registerGradientOnce, registerKernelOnce } from './register-once.js';
import { heapOf, pointerOf } from './wasm-heap.js';
import { requireWasmKernels } from './wasm-module.js';

/**
 * The affine transformer of `@diffeo/bijectors` (Real NVP's and MAF's) with its default 'exp-tanh'
 * scale as one kernel (`wasm/affine-transformer.c`, four float32 lanes): inputs x [batch, dim] and
 * the layer's parameters [batch, 2 dim] (s and shift interleaved per dimension); outputs y and
 * logDet, shaped as x. Op by op it is ~11 kernels forward and ~15 backward, Exp and Tanh among
 * them, which tfjs's wasm backend runs one element at a time. `affineTransformerOp` calls it.
 */
export const AFFINE_TRANSFORMER_KERNEL = 'DiffeoAffineTransformer';
/** Its gradient: inputs x, params, dy, dLogDet; outputs dx and dParams. */
export const AFFINE_TRANSFORMER_GRAD_KERNEL = 'DiffeoAffineTransformerGrad';

/**
 * The attributes of both kernels: the bound B of the log-scale l = B tanh(s / B) (the transformer's
 * `logScaleBound`), and the direction (`inverse`: y = x e^l + shift; otherwise y = (x - shift) e^-l).
 */
export interface AffineTransformerAttrs {
  inverse: boolean;
  logScaleBound: number;
}

/** The attributes as the C functions take them: inverse, bound. */
function attrArgs(attrs: tf.NamedAttrMap | undefined): [number, number] {
  const a = attrs as unknown as AffineTransformerAttrs;
  return [a.inverse ? 1 : 0, a.logScaleBound];
}

const forward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { kernels } = requireWasmKernels(backend, AFFINE_TRANSFORMER_KERNEL);
  const { x, params } = inputs as Record<string, tf.TensorInfo>;
  const heap = heapOf(backend);
  const y = heap.makeOutput(x!.shape, 'float32');
  const logDet = heap.makeOutput(x!.shape, 'float32');
  const at = (t: tf.TensorInfo) => pointerOf(heap, t);
  const n = tf.util.sizeFromShape(x!.shape);
  if (n > 0) kernels.affine_transformer(n, at(x!), at(params!), ...attrArgs(attrs), at(y), at(logDet));
  return [y, logDet];
};

const gradient: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { kernels } = requireWasmKernels(backend, AFFINE_TRANSFORMER_GRAD_KERNEL);
  const { x, params, dy, dLogDet } = inputs as Record<string, tf.TensorInfo>;
  const heap = heapOf(backend);
  const dx = heap.makeOutput(x!.shape, 'float32');
  const dParams = heap.makeOutput(params!.shape, 'float32');
  const at = (t: tf.TensorInfo) => pointerOf(heap, t);
  const n = tf.util.sizeFromShape(x!.shape);
  if (n > 0) {
    kernels.affine_transformer_grad(
      n,
      at(x!),
      at(params!),
      at(dy!),
      at(dLogDet!),
      ...attrArgs(attrs),
      at(dx),
      at(dParams),
    );
  }
  return [dx, dParams];
};

function registerAffineTransformerGradient(): void {
  registerGradientOnce({
    kernelName: AFFINE_TRANSFORMER_KERNEL,
    inputsToSave: ['x', 'params'],
    // The engine passes one dy per output, zeros for an output that does not reach the loss.
    gradFunc: (dys, saved, attrs) => {
      const [dy, dLogDet] = dys as tf.Tensor[];
      const [x, params] = saved as [tf.Tensor, tf.Tensor];
      const [dx, dParams] = tf
        .engine()
        .runKernel(
          AFFINE_TRANSFORMER_GRAD_KERNEL,
          { x, params, dy: dy!, dLogDet: dLogDet! },
          attrs,
        ) as tf.Tensor[];
      return { x: () => dx!, params: () => dParams! };
    },
  });
}

/** Registers `DiffeoAffineTransformer` for wasm, with its gradient. Idempotent; always succeeds. */
export function installWasmAffineTransformer(): boolean {
  registerKernelOnce({ kernelName: AFFINE_TRANSFORMER_KERNEL, backendName: 'wasm', kernelFunc: forward });
  registerAffineTransformerGradient();
  return true;
}

/** Registers `DiffeoAffineTransformerGrad` for wasm. Idempotent; always succeeds. */
export function installWasmAffineTransformerGrad(): boolean {
  registerKernelOnce({
    kernelName: AFFINE_TRANSFORMER_GRAD_KERNEL,
    backendName: 'wasm',
    kernelFunc: gradient,
  });
  return true;
}
