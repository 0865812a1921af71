/**
 * `@diffeo/core/kernels`: what a package author needs to write a fused kernel, and the map of the
 * kernels core registers. Users of the models never need it; it is kept out of the main entry so
 * that the main API is the API.
 *
 * @example
 * ```ts
 * import { arrayIO, KERNELS } from '@diffeo/core/kernels';
 * const values = arrayIO.cpu.read(backend, tensorInfo); // a typed array, no copy
 * console.log(KERNELS.map((k) => `${k.backend}/${k.kernelName}`));
 * ```
 *
 * @packageDocumentation
 */
export { ADAM_KERNEL, type AdamAttrs, adamInputs } from './adam-kernel.js';
export { AffineMask, MASK_BLOCK } from './affine-mask.js';
export { type ArrayIO, arrayIO } from './array-io.js';
export { GLOBAL_NORM_KERNEL } from './global-norm-kernel.js';
export { installKernels, KERNELS, type KernelEntry, kernelTable } from './kernel-map.js';
export {
  affineOp,
  affineTransformerOp,
  globalNormOp,
  maskedAffineOp,
  maskedResidualBlockOp,
  type ResidualBlockMasks,
  type ResidualBlockOptions,
  type ResidualBlockWeights,
  type RQSplineInputs,
  residualBlockOp,
  rqSplineOp,
  rqSplinePackedOp,
} from './ops.js';
export {
  RQ_SPLINE_GRAD_KERNEL,
  RQ_SPLINE_KERNEL,
  RQ_SPLINE_PACKED_GRAD_KERNEL,
  RQ_SPLINE_PACKED_KERNEL,
  type RQSplineAttrs,
  type RQSplinePackedAttrs,
} from './rq-spline-kernel.js';
export { AFFINE_GRAD_KERNEL, AFFINE_TRAIN_KERNEL, type AffineAttrs } from './wasm-affine.js';
export {
  AFFINE_TRANSFORMER_GRAD_KERNEL,
  AFFINE_TRANSFORMER_KERNEL,
  type AffineTransformerAttrs,
} from './wasm-affine-transformer.js';
export {
  MASKED_AFFINE_GRAD_KERNEL,
  MASKED_AFFINE_KERNEL,
  type MaskedAffineAttrs,
} from './wasm-masked.js';
export {
  MASKED_RESIDUAL_BLOCK_GRAD_KERNEL,
  MASKED_RESIDUAL_BLOCK_KERNEL,
  type MaskedResidualBlockAttrs,
} from './wasm-masked-residual.js';
export {
  RESIDUAL_BLOCK_GRAD_KERNEL,
  RESIDUAL_BLOCK_KERNEL,
  residualBlockOnWasmHeap,
  type WasmResidualBlockInputs,
} from './wasm-residual.js';
