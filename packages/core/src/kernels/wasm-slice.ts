import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel.js';
import { heapOf } from './wasm-heap.js';

/**
 * Replaces the wasm backend's `Slice` with a strided copy straight between views of the wasm heap.
 * The stock kernel first copies the whole input out of the heap (`readSync`) and then copies row
 * by row through a new subarray per row: 90 us for the 128x2x8 slices that split a spline's
 * parameters, where this takes a few. Any rank and numeric dtype; strings go to the stock kernel.
 * Called by `useBackend('wasm')`.
 */
export function installWasmSlice(): boolean {
  return replaceKernel('Slice', 'wasm', (stock) => (args) => {
    const x = args.inputs.x!;
    if (x.dtype === 'string' || x.shape.length === 0) return stock(args);
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [
      number[],
      number[],
    ];
    const heap = heapOf(args.backend);
    const out = heap.makeOutput(extent, x.dtype);
    // Views after the allocation: growing the heap detaches earlier ones.
    const src = heap.typedArrayFromHeap(x);
    const dst = heap.typedArrayFromHeap(out);
    if (dst.length > 0) copyStrided(src, dst, x.shape, start, extent);
    return out;
  });
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
