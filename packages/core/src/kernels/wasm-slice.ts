import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel.js';
import { heapOf, pointerOf } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

/**
 * Replaces the wasm backend's `Slice` with a strided copy straight on the wasm heap. The stock
 * kernel first copies the whole input out of the heap (`readSync`) and then copies row by row
 * through a new subarray per row: 90 us for the 128x2x8 slices that split a spline's parameters,
 * where this takes a few. Slices of 32-bit elements that are rows of a matrix once their axes are
 * merged (the spline's splits: [n, 2, 23] to [n, 2, 8] is 2n rows of 8 at a stride of 23) are
 * `wasm/copy-rows.c` (10^4 points: 0.4 ms to ~0.05 ms); the rest, any rank and numeric dtype, a
 * loop between views of the heap. Strings go to the stock kernel. Called by `useBackend('wasm')`.
 */
export function installWasmSlice(): boolean {
  return replaceKernel('Slice', 'wasm', (stock) => (args) => {
    const x = args.inputs.x!;
    if (x.dtype === 'string' || x.shape.length === 0) return stock(args);
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [
      number[],
      number[],
    ];
    const heap = heapOf(args.backend);
    const out = heap.makeOutput(extent, x.dtype);
    const loaded = wasmKernelsOf(args.backend);
    const rows = asRows(x.shape, start, extent);
    if (loaded !== undefined && rows !== undefined && (x.dtype === 'float32' || x.dtype === 'int32')) {
      const [count, run, stride, offset] = rows;
      if (count * run > 0) {
        loaded.kernels.copy_rows(count, run, pointerOf(heap, x) + offset * 4, stride, pointerOf(heap, out));
      }
      return out;
    }
    // Views after the allocation: growing the heap detaches earlier ones.
    const src = heap.typedArrayFromHeap(x);
    const dst = heap.typedArrayFromHeap(out);
    if (dst.length > 0) copyStrided(src, dst, x.shape, start, extent);
    return out;
  });
}

/**
 * The slice as `count` rows of `run` elements, `stride` apart, from element `offset` of the input:
 * possible when, above its innermost partial axis, every axis but the first is whole (the trailing
 * whole axes lengthen the run). Undefined otherwise.
 */
export function asRows(
  shape: number[],
  start: number[],
  extent: number[],
): [count: number, run: number, stride: number, offset: number] | undefined {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let a = rank - 2; a >= 0; a--) strides[a] = strides[a + 1]! * shape[a + 1]!;
  let offset = 0;
  for (let a = 0; a < rank; a++) offset += start[a]! * strides[a]!;
  let j = rank - 1;
  while (j >= 0 && extent[j] === shape[j]) j--;
  if (j < 0) {
    const size = strides[0]! * shape[0]!;
    return [1, size, size, 0];
  }
  for (let a = 1; a < j; a++) if (extent[a] !== shape[a]) return undefined;
  let count = 1;
  for (let a = 0; a < j; a++) count *= extent[a]!;
  return [count, extent[j]! * strides[j]!, j > 0 ? strides[j - 1]! : 0, offset];
}

type Numbers = { [i: number]: number; length: number };

/** dst = src[start : start + extent] of a row-major array of `shape`, for any rank >= 1. */
function copyStrided(src: Numbers, dst: Numbers, shape: number[], start: number[], extent: number[]): void {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let a = rank - 2; a >= 0; a--) strides[a] = strides[a + 1]! * shape[a + 1]!;
  const run = extent[rank - 1]!;
  const index = new Array<number>(rank).fill(0); // odometer over every axis but the last
  let from = 0;
  for (let a = 0; a < rank; a++) from += start[a]! * strides[a]!;
  for (let o = 0; o < dst.length; o += run) {
    for (let i = 0; i < run; i++) dst[o + i] = src[from + i]!;
    let a = rank - 2;
    while (a >= 0) {
      index[a]! += 1;
      from += strides[a]!;
      if (index[a]! < extent[a]!) break;
      from -= index[a]! * strides[a]!;
      index[a] = 0;
      a--;
    }
  }
}
