import { installWasmBatchMatMul, installWasmFusedMatMul } from './wasm-batch-matmul.js';
import { installWasmBinary } from './wasm-binary.js';
import { installWasmIdentity } from './wasm-identity.js';
import { installWasmResidualBlock } from './wasm-residual.js';
import { installWasmReverse } from './wasm-reverse.js';
import { installWasmSlice } from './wasm-slice.js';
import { installWasmSum } from './wasm-sum.js';
import { installWasmTranspose } from './wasm-transpose.js';
import { installWasmUnary } from './wasm-unary.js';

/**
 * Installs Diffeo's replacements of stock wasm kernels that are slow on the shapes flows use:
 * `Transpose` (last two axes), `Sum` (column sums), `Add` and `Multiply` (same shape, scalar or bias), `Relu` and `Step`, `Identity` and same-dtype `Cast` (which share
 * memory instead of copying), `Slice` (a strided copy on the heap), `Reverse` of the last axis,
 * and `BatchMatMul` and `_FusedMatMul` (Diffeo's own matrix product, `wasm/gemm.c`, once
 * `loadWasmKernels` has run for the backend; until then, or where it does not apply, the stock
 * kernels with explicit transposes through the faster `Transpose`); and registers
 * `DiffeoResidualBlock`, a residual MLP block in one kernel for inference. Order matters: the matrix
 * product looks the transpose kernel up when it is installed. Idempotent; `useBackend('wasm')`
 * calls it.
 */
export function installWasmKernels(): boolean {
  return (
    installWasmTranspose() &&
    installWasmSum() &&
    installWasmIdentity() &&
    installWasmSlice() &&
    installWasmReverse() &&
    installWasmBatchMatMul() &&
    installWasmFusedMatMul() &&
    installWasmBinary() &&
    installWasmUnary() &&
    installWasmResidualBlock()
  );
}
