import { replaceKernel } from './replace-kernel.js';
import { heapOf } from './wasm-heap.js';

/**
 * Replaces the wasm backend's `Sum` for column sums of a float32 matrix (axis 0 of a rank-2
 * tensor: every bias gradient) with a direct loop on the wasm heap. The stock kernel transposes the
 * matrix first and took 1.1 ms for 1024x128; the sums accumulate in float64. Other reductions go
 * to the stock kernel. Called by `useBackend('wasm')`.
 */
export function installWasmSum(): boolean {
  return replaceKernel('Sum', 'wasm', (stock) => ({ inputs, backend, attrs }) => {
    const x = inputs.x!;
    const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
    const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + x.shape.length : a));
    if (x.shape.length !== 2 || axes.length !== 1 || axes[0] !== 0 || x.dtype !== 'float32') {
      return stock({ inputs, backend, attrs });
    }
    const [rows, cols] = x.shape as [number, number];
    const heap = heapOf(backend);
    const input = heap.typedArrayFromHeap(x);
    const acc = new Float64Array(cols);
    // Four rows per pass: a quarter of the accumulator traffic.
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const b0 = r * cols;
      const b1 = b0 + cols;
      const b2 = b1 + cols;
      const b3 = b2 + cols;
      for (let c = 0; c < cols; c++) {
        acc[c]! += input[b0 + c]! + input[b1 + c]! + input[b2 + c]! + input[b3 + c]!;
      }
    }
    for (; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) acc[c]! += input[base + c]!;
    }
    const out = heap.makeOutput(keepDims ? [1, cols] : [cols], 'float32');
    heap.typedArrayFromHeap(out).set(acc);
    return out;
  });
}
