import * as tf from '@tensorflow/tfjs-core';
import { heapOf, pointerOf, withScratch } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

/** A residual block's input h [batch, H] and its two layers' weights [H, H] and biases [H]. */
export interface WasmResidualBlockInputs {
  h: tf.TensorInfo;
  w1: tf.TensorInfo;
  b1: tf.TensorInfo;
  w2: tf.TensorInfo;
  b2: tf.TensorInfo;
}

/** Attributes of `DiffeoResidualBlock`. */
export interface ResidualBlockAttrs {
  /**
   * Whether to return the hidden layer `u = relu(relu(h) w1 + b1)` [batch, H] as a second output,
   * for the gradient (which then does not recompute it). Default false: one output.
   */
  keepHidden?: boolean;
}

/**
 * `h + relu(relu(h) w1 + b1) w2 + b2` (`residual_block` in `wasm/gemm-sparse.c`: both products
 * per tile of rows while it is in cache, skipping the ReLUs' zeros, the ReLUs and the add fused)
 * on the wasm heap, the same numbers as the separate kernels; with `keepHidden`, `[out, u]`.
 * Undefined when core's wasm kernels are not loaded for `backend`, the inputs are not float32 of
 * those shapes, or a weight is not finite: the caller then runs the separate kernels.
 */
export function residualBlockOnWasmHeap(
  backend: unknown,
  { h, w1, b1, w2, b2 }: WasmResidualBlockInputs,
  keepHidden = false,
): tf.TensorInfo[] | undefined {
  const loaded = wasmKernelsOf(backend);
  if (loaded === undefined || h.shape.length !== 2) return undefined;
  const [m, width] = h.shape as [number, number];
  const square = (w: tf.TensorInfo) => w.shape.length === 2 && w.shape[0] === width && w.shape[1] === width;
  const vector = (b: tf.TensorInfo) => b.shape.length === 1 && b.shape[0] === width;
  if (![h, w1, b1, w2, b2].every((t) => t.dtype === 'float32')) return undefined;
  if (!square(w1) || !square(w2) || !vector(b1) || !vector(b2)) return undefined;
  const heap = heapOf(backend);
  const made = Array.from({ length: keepHidden ? 2 : 1 }, () => heap.makeOutput([m, width], 'float32'));
  if (m * width === 0) return made;
  const floats = loaded.kernels.residual_block_scratch(width);
  const [pout, phidden] = made.map((t) => pointerOf(heap, t));
  const pointers = [h, w1, b1, w2, b2].map((t) => pointerOf(heap, t)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const done = withScratch(heap, floats * 4, (scratch) =>
    loaded.kernels.residual_block(m, width, ...pointers, pout!, phidden ?? 0, scratch),
  );
  if (done === 1) return made;
  for (const t of made) heap.disposeData(t.dataId);
  return undefined;
}

/** The kernel of a residual block, registered for wasm by `installKernels` (see `kernel-map.ts`). */
export const RESIDUAL_BLOCK_KERNEL = 'DiffeoResidualBlock';

/**
 * The gradient of `DiffeoResidualBlock`: inputs dy, h, w1, w2 and the hidden layer u; outputs dh,
 * dw1, db1, dw2, db2.
 */
export const RESIDUAL_BLOCK_GRAD_KERNEL = 'DiffeoResidualBlockGrad';

/** A tensor's data seen with another shape (kernels find data by its id). */
function viewAs(t: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/**
 * The block with tfjs's own wasm kernels (ReLU, fused products, add), where `residualBlockOnWasmHeap`
 * does not apply; with `keepHidden`, `[out, u]`.
 */
function separateKernels(
  backend: unknown,
  { h, w1, b1, w2, b2 }: WasmResidualBlockInputs,
  keepHidden: boolean,
): tf.TensorInfo[] {
  const run = (name: string, kernelInputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}) =>
    tf
      .getKernel(name, 'wasm')!
      .kernelFunc({ inputs: kernelInputs, backend: backend as tf.KernelBackend, attrs }) as tf.TensorInfo;
  const [m, width] = h.shape as [number, number];
  const product = { transposeA: false, transposeB: false, leakyreluAlpha: 0 };
  const relu = run('Relu', { x: h });
  const hidden = run(
    '_FusedMatMul',
    { a: viewAs(relu, [1, m, width]), b: viewAs(w1, [1, width, width]), bias: b1 },
    { ...product, activation: 'relu' },
  );
  const block = run(
    '_FusedMatMul',
    { a: hidden, b: viewAs(w2, [1, width, width]), bias: b2 },
    { ...product, activation: 'linear' },
  );
  const out = run('Add', { a: h, b: viewAs(block, [m, width]) });
  const data = backend as unknown as { disposeData(id: object): void };
  for (const t of keepHidden ? [relu, block] : [relu, hidden, block]) data.disposeData(t.dataId);
  return keepHidden ? [out, viewAs(hidden, [m, width])] : [out];
}

/**
 * Registers `DiffeoResidualBlock` for wasm: inputs h [batch, H], w1, w2 [H, H], b1, b2 [H]; output
 * `h + relu(relu(h) w1 + b1) w2 + b2`, and with the attribute `keepHidden` the hidden layer `u`
 * as a second output. Where `residualBlockOnWasmHeap` does not apply it runs the wasm backend's
 * own ReLU, fused product and add kernels. It has no registered gradient: while gradients are
 * recorded `residualBlockOp` runs it inside one `tf.customGrad` entry that keeps `u` for
 * `DiffeoResidualBlockGrad` (a second output of a taped kernel would get a gradient of zeros
 * built at every step). Idempotent.
 */
export function installWasmResidualBlock(): boolean {
  if (tf.getKernel(RESIDUAL_BLOCK_KERNEL, 'wasm') !== undefined) return true;
  if (tf.getKernel('_FusedMatMul', 'wasm') === undefined) return false;
  tf.registerKernel({
    kernelName: RESIDUAL_BLOCK_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const blockInputs = inputs as unknown as WasmResidualBlockInputs;
      const keepHidden = (attrs as ResidualBlockAttrs | undefined)?.keepHidden === true;
      const outs =
        residualBlockOnWasmHeap(backend, blockInputs, keepHidden) ??
        separateKernels(backend, blockInputs, keepHidden);
      return keepHidden ? outs : outs[0]!;
    },
  });
  return true;
}
