import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';

/** Columns per block of an {@link AffineMask}'s lists (`BLOCK` in `wasm/gemm-masked.c`). */
export const MASK_BLOCK = 8;

/**
 * Per block of `MASK_BLOCK` columns of a `[rows, cols]` mask, the rows with a nonzero entry in it,
 * as one int32 array: `blocks + 1` starts (indices into the array itself), then each block's rows
 * as runs of consecutive rows, pairs `first, length` (the layout `wasm/gemm-masked.c` reads).
 */
function blockLists(values: ArrayLike<number>, rows: number, cols: number, byColumn: boolean): Int32Array {
  // byColumn: blocks of the mask's columns, listing rows; otherwise blocks of rows, listing columns.
  const [outer, inner] = byColumn ? [cols, rows] : [rows, cols];
  const blocks = Math.ceil(outer / MASK_BLOCK);
  const starts: number[] = [];
  const entries: number[] = [];
  for (let b = 0; b < blocks; b++) {
    starts.push(blocks + 1 + entries.length);
    const end = Math.min(outer, (b + 1) * MASK_BLOCK);
    for (let i = 0; i < inner; i++) {
      let any = false;
      for (let o = b * MASK_BLOCK; o < end && !any; o++) {
        any = (byColumn ? values[i * cols + o] : values[o * cols + i]) !== 0;
      }
      if (!any) continue;
      const last = entries.length - 2;
      if (last >= starts.at(-1)! - blocks - 1 && entries[last]! + entries[last + 1]! === i) {
        entries[last + 1]! += 1;
      } else {
        entries.push(i, 1);
      }
    }
  }
  starts.push(blocks + 1 + entries.length);
  return Int32Array.from([...starts, ...entries]);
}

/** The listed indices of each block times its width, summed: multiply-adds per row. */
function listedWork(lists: Int32Array, outer: number): number {
  let total = 0;
  const blocks = Math.ceil(outer / MASK_BLOCK);
  for (let b = 0; b < blocks; b++) {
    let listed = 0;
    for (let e = lists[b]!; e < lists[b + 1]!; e += 2) listed += lists[e + 1]!;
    total += listed * Math.min(MASK_BLOCK, outer - b * MASK_BLOCK);
  }
  return total;
}

/**
 * A constant mask of an `[inFeatures, outFeatures]` weight (a MADE's 0/1 masks), with the block
 * lists that let `maskedAffineOp`'s kernel skip what the mask zeroes: `rows`, per block of output
 * columns, the input rows with a nonzero entry there (the forward product and the weight's
 * gradient); `cols`, per block of input units, the output columns with a nonzero entry there (the
 * input's gradient). Built once per layer; its tensors are constants, never variables nor saved.
 *
 * @example
 * ```ts
 * const mask = new AffineMask(values, nIn, nOut); // values: nIn * nOut, row-major
 * const y = maskedAffineOp(x, weight, bias, mask, 'relu');
 * mask.dispose();
 * ```
 */
export class AffineMask {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** The mask, `[inFeatures, outFeatures]`. */
  readonly mask: tf.Tensor2D;
  readonly rows: tf.Tensor1D;
  readonly cols: tf.Tensor1D;
  /**
   * Multiply-adds per row of x that the masked kernel does: `forward` (also those of the weight's
   * gradient), `inputGradient` (those of dx); `dense` = inFeatures * outFeatures for each.
   */
  readonly multiplyAdds: { forward: number; inputGradient: number; dense: number };

  /** `values`: the mask row-major, inFeatures * outFeatures entries. */
  constructor(values: ArrayLike<number>, inFeatures: number, outFeatures: number) {
    if (values.length !== inFeatures * outFeatures) {
      throw new ShapeError(
        `AffineMask: expected ${inFeatures} * ${outFeatures} = ${inFeatures * outFeatures} values, got ${values.length}`,
      );
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const rows = blockLists(values, inFeatures, outFeatures, true);
    const cols = blockLists(values, inFeatures, outFeatures, false);
    this.multiplyAdds = {
      forward: listedWork(rows, outFeatures),
      inputGradient: listedWork(cols, inFeatures),
      dense: inFeatures * outFeatures,
    };
    this.mask = tf.tensor2d(Float32Array.from(values), [inFeatures, outFeatures]);
    this.rows = tf.tensor1d(rows, 'int32');
    this.cols = tf.tensor1d(cols, 'int32');
  }

  dispose(): void {
    tf.dispose([this.mask, this.rows, this.cols]);
  }
}
