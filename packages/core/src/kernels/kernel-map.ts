import { ADAM_KERNEL, installAdamKernel } from './adam-kernel.js';
import { GLOBAL_NORM_KERNEL, installGlobalNormKernel } from './global-norm-kernel.js';
import {
  installRQSplineGradKernel,
  installRQSplineKernel,
  installRQSplinePackedGradKernel,
  installRQSplinePackedKernel,
  RQ_SPLINE_GRAD_KERNEL,
  RQ_SPLINE_KERNEL,
  RQ_SPLINE_PACKED_GRAD_KERNEL,
  RQ_SPLINE_PACKED_KERNEL,
} from './rq-spline-kernel.js';
import { AFFINE_GRAD_KERNEL, AFFINE_TRAIN_KERNEL, installWasmAffine } from './wasm-affine.js';
import {
  AFFINE_TRANSFORMER_GRAD_KERNEL,
  AFFINE_TRANSFORMER_KERNEL,
  installWasmAffineTransformer,
  installWasmAffineTransformerGrad,
} from './wasm-affine-transformer.js';
import { installWasmBatchMatMul, installWasmFusedMatMul } from './wasm-batch-matmul.js';
import { installWasmBinary } from './wasm-binary.js';
import { installWasmConcat } from './wasm-concat.js';
import { installWasmCast, installWasmIdentity } from './wasm-identity.js';
import {
  installWasmMaskedAffine,
  installWasmMaskedAffineGrad,
  MASKED_AFFINE_GRAD_KERNEL,
  MASKED_AFFINE_KERNEL,
} from './wasm-masked.js';
import {
  installWasmMaskedResidualBlock,
  installWasmMaskedResidualBlockGrad,
  MASKED_RESIDUAL_BLOCK_GRAD_KERNEL,
  MASKED_RESIDUAL_BLOCK_KERNEL,
} from './wasm-masked-residual.js';
import {
  installWasmResidualBlock,
  RESIDUAL_BLOCK_GRAD_KERNEL,
  RESIDUAL_BLOCK_KERNEL,
} from './wasm-residual.js';
import { installWasmResidualBlockGrad } from './wasm-residual-grad.js';
import { installWasmReverse } from './wasm-reverse.js';
import { installWasmSlice } from './wasm-slice.js';
import { installWasmSplit } from './wasm-split.js';
import { installWasmSum } from './wasm-sum.js';
import { installWasmTranspose } from './wasm-transpose.js';
import { installWasmUnary } from './wasm-unary.js';

/** One kernel that core registers. */
export interface KernelEntry {
  /** The tfjs kernel name it is registered under. */
  kernelName: string;
  backend: 'cpu' | 'wasm';
  /** Whether it replaces tfjs's stock kernel of that name (which it falls back to), or is Diffeo's own. */
  replaces: boolean;
  /** One line for the README's table: what it does, and why. */
  summary: string;
  /** Registers it; false while the backend's package (the stock kernel it wraps) is not loaded. Idempotent. */
  install(): boolean;
}

/**
 * Every kernel core registers, in installation order (the matrix products look up the `Transpose`
 * installed before them, the residual block the `_FusedMatMul`). The core README's kernel table is
 * generated from this list (`kernelTable`).
 */
export const KERNELS: readonly KernelEntry[] = [
  {
    kernelName: ADAM_KERNEL,
    backend: 'cpu',
    replaces: false,
    summary: 'the Adam update of every variable in one call (a JS loop), instead of ~10 kernels per variable',
    install: () => installAdamKernel('cpu'),
  },
  {
    kernelName: ADAM_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary: 'the same on the heap (`wasm/adam.c`, float32 SIMD): one kernel call per step',
    install: () => installAdamKernel('wasm'),
  },
  {
    kernelName: GLOBAL_NORM_KERNEL,
    backend: 'cpu',
    replaces: false,
    summary:
      "the global norm of a step's gradients in one call (float64 JS loop), instead of 2 kernels per variable",
    install: () => installGlobalNormKernel('cpu'),
  },
  {
    kernelName: GLOBAL_NORM_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary: 'the same on the heap (`wasm/squared-norm.c`, float64 sums in SIMD)',
    install: () => installGlobalNormKernel('wasm'),
  },
  {
    kernelName: RQ_SPLINE_KERNEL,
    backend: 'cpu',
    replaces: false,
    summary:
      'the rational-quadratic spline (knots, bin, map, logDet) in one float64 JS loop, instead of ~68 kernels',
    install: () => installRQSplineKernel('cpu'),
  },
  {
    kernelName: RQ_SPLINE_GRAD_KERNEL,
    backend: 'cpu',
    replaces: false,
    summary: "the spline's four input gradients in one float64 JS loop, instead of ~580 kernels",
    install: () => installRQSplineGradKernel('cpu'),
  },
  {
    kernelName: RQ_SPLINE_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary: 'the same spline on the heap (`wasm/rq-spline.c`, two elements per float64 SIMD step)',
    install: () => installRQSplineKernel('wasm'),
  },
  {
    kernelName: RQ_SPLINE_GRAD_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary: 'its gradients on the heap (`wasm/rq-spline.c`)',
    install: () => installRQSplineGradKernel('wasm'),
  },
  {
    kernelName: RQ_SPLINE_PACKED_KERNEL,
    backend: 'cpu',
    replaces: false,
    summary:
      "the spline on a conditioner's raw output (`rqSplinePackedOp`): the parameters' reshape, split and scalings inside",
    install: () => installRQSplinePackedKernel('cpu'),
  },
  {
    kernelName: RQ_SPLINE_PACKED_GRAD_KERNEL,
    backend: 'cpu',
    replaces: false,
    summary: 'its gradients of x and the raw output in one call',
    install: () => installRQSplinePackedGradKernel('cpu'),
  },
  {
    kernelName: RQ_SPLINE_PACKED_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary: 'the same on the heap (`wasm/rq-spline.c` reads the raw output in place)',
    install: () => installRQSplinePackedKernel('wasm'),
  },
  {
    kernelName: RQ_SPLINE_PACKED_GRAD_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary: 'its gradients on the heap',
    install: () => installRQSplinePackedGradKernel('wasm'),
  },
  {
    kernelName: AFFINE_TRANSFORMER_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary:
      "the affine transformer's 'exp-tanh' scale, map and logDet on the heap (`wasm/affine-transformer.c`, float32 SIMD exp and tanh), instead of ~11 kernels, tfjs's one-element-at-a-time Exp and Tanh among them",
    install: installWasmAffineTransformer,
  },
  {
    kernelName: AFFINE_TRANSFORMER_GRAD_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary: 'its gradients (x and the parameters) in one call, instead of ~15 kernels',
    install: installWasmAffineTransformerGrad,
  },
  {
    kernelName: 'Transpose',
    backend: 'wasm',
    replaces: true,
    summary: 'transposes of the last two axes as a blocked copy',
    install: installWasmTranspose,
  },
  {
    kernelName: 'Sum',
    backend: 'wasm',
    replaces: true,
    summary: 'column sums (`wasm/column-sum.c`): every bias gradient',
    install: installWasmSum,
  },
  {
    kernelName: 'Identity',
    backend: 'wasm',
    replaces: true,
    summary: 'shares the input memory instead of copying it (~260 per NSF step)',
    install: installWasmIdentity,
  },
  {
    kernelName: 'Cast',
    backend: 'wasm',
    replaces: true,
    summary: 'a cast to the same dtype shares the input memory',
    install: installWasmCast,
  },
  {
    kernelName: 'Slice',
    backend: 'wasm',
    replaces: true,
    summary: 'a strided copy on the heap (`wasm/copy-rows.c`)',
    install: installWasmSlice,
  },
  {
    kernelName: 'SplitV',
    backend: 'wasm',
    replaces: true,
    summary: 'its parts by the registered `Slice` (the strided copy above)',
    install: installWasmSplit,
  },
  {
    kernelName: 'Concat',
    backend: 'wasm',
    replaces: true,
    summary: "32-bit numbers as rows placed on the heap (`wasm/copy-rows.c`): a split's gradient",
    install: installWasmConcat,
  },
  {
    kernelName: 'Reverse',
    backend: 'wasm',
    replaces: true,
    summary: 'reverse of the last axis, rows reversed on the heap (`wasm/copy-rows.c`)',
    install: installWasmReverse,
  },
  {
    kernelName: 'BatchMatMul',
    backend: 'wasm',
    replaces: true,
    summary: "Diffeo's matrix product (`wasm/gemm.c`), transposes read through strides",
    install: installWasmBatchMatMul,
  },
  {
    kernelName: '_FusedMatMul',
    backend: 'wasm',
    replaces: true,
    summary: 'the same product with bias and ReLU applied on store',
    install: installWasmFusedMatMul,
  },
  {
    kernelName: 'Add',
    backend: 'wasm',
    replaces: true,
    summary: 'same shape, scalar or bias over rows (`wasm/binary.c`), no XNNPACK set-up per call',
    install: () => installWasmBinary('Add'),
  },
  {
    kernelName: 'Multiply',
    backend: 'wasm',
    replaces: true,
    summary: 'as `Add`',
    install: () => installWasmBinary('Multiply'),
  },
  {
    kernelName: 'Relu',
    backend: 'wasm',
    replaces: true,
    summary: '`wasm/unary.c`; never wakes the thread pool',
    install: () => installWasmUnary('Relu'),
  },
  {
    kernelName: 'Step',
    backend: 'wasm',
    replaces: true,
    summary: "ReLU's gradient, as `Relu`",
    install: () => installWasmUnary('Step'),
  },
  {
    kernelName: AFFINE_TRAIN_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary:
      'a dense layer (product, bias, ReLU) while gradients are recorded: one tape entry instead of 2-3',
    install: installWasmAffine,
  },
  {
    kernelName: AFFINE_GRAD_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary: "its gradient (dx, dw, db) in one kernel, instead of ~7: core's products and sums on the heap",
    install: installWasmAffine,
  },
  {
    kernelName: RESIDUAL_BLOCK_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary:
      'a residual MLP block in one kernel (`wasm/gemm-sparse.c`), one tape entry while training instead of 7 (keeping its hidden layer for the gradient)',
    install: installWasmResidualBlock,
  },
  {
    kernelName: RESIDUAL_BLOCK_GRAD_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary:
      "its gradient (dh, dw1, db1, dw2, db2) in one kernel, instead of ~12: core's products and sums on the heap (`wasm/residual-grad.c`), four products (the forward's hidden layer reused)",
    install: installWasmResidualBlockGrad,
  },
  {
    kernelName: MASKED_AFFINE_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary:
      "`x (W * mask) + b` (ReLU) of a MADE's masked layer in one kernel, skipping the blocks the mask zeroes (`wasm/gemm-masked.c`)",
    install: installWasmMaskedAffine,
  },
  {
    kernelName: MASKED_AFFINE_GRAD_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary: 'its three gradients (input, masked weight, bias) in one kernel, skipping the same blocks',
    install: installWasmMaskedAffineGrad,
  },
  {
    kernelName: MASKED_RESIDUAL_BLOCK_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary:
      "a MADE's masked residual block (ReLUs, both masked layers, the skip) in one kernel, one tape entry while training instead of 4 (keeping its hidden layer for the gradient)",
    install: installWasmMaskedResidualBlock,
  },
  {
    kernelName: MASKED_RESIDUAL_BLOCK_GRAD_KERNEL,
    backend: 'wasm',
    replaces: false,
    summary:
      "its gradient (dh, dw1, db1, dw2, db2) in one kernel, instead of ~10: both masked layers' gradients and the ReLUs on the heap",
    install: installWasmMaskedResidualBlockGrad,
  },
];

/**
 * Installs the kernels of `backend` (default: every backend), in list order. Returns whether all
 * of them are installed: false while a backend's package is not loaded, whose replacements
 * `useBackend` installs once it is. Idempotent.
 */
export function installKernels(backend?: KernelEntry['backend']): boolean {
  let all = true;
  for (const entry of KERNELS) {
    if (backend !== undefined && entry.backend !== backend) continue;
    if (!entry.install()) all = false;
  }
  return all;
}

/** The README's kernel table, as Markdown, from {@link KERNELS}. */
export function kernelTable(): string {
  const rows = KERNELS.map(
    (k) =>
      `| \`${k.kernelName}\` | ${k.backend} | ${k.replaces ? 'stock kernel' : "Diffeo's own"} | ${k.summary} |`,
  );
  return ['| kernel | backend | replaces | what and why |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
