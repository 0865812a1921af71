import { BackendError } from '../errors.js';
import { heapOf, memoryOf, type WasmHeapBackend, withScratch } from './wasm-heap.js';

/** The arguments both matrix products begin with: sizes, operands with their row and column strides, output, bias, ReLU. */
export type GemmArgs = [
  m: number,
  n: number,
  k: number,
  a: number,
  ars: number,
  acs: number,
  b: number,
  brs: number,
  bcs: number,
  c: number,
  bias: number,
  relu: number,
];

/**
 * Where a spline's parameters lie on the heap: element e's widths and heights at uw, uh + e *
 * stride, its derivatives at ud + e * dstride; the scale of widths and heights and the
 * derivatives' offset (see wasm/rq-spline.c).
 */
export type SplineLayout = [
  uw: number,
  uh: number,
  ud: number,
  stride: number,
  dstride: number,
  scale: number,
  offset: number,
];

/** The arguments both spline kernels begin with: sizes, x, and the parameters' layout. */
type SplineInputs = [n: number, numBins: number, x: number, ...SplineLayout];

/** The arguments both spline kernels end with: the spline's options and the float64 scratch. */
type SplineAttrs = [
  inverse: number,
  tailBound: number,
  minBinWidth: number,
  minBinHeight: number,
  minDerivative: number,
  ws: number,
];

/** The exports of Diffeo's wasm kernels (`wasm/*.c`); pointers are byte addresses on tfjs's heap. */
export interface WasmKernels {
  /** See wasm/gemm.c. */
  gemm(...args: [...GemmArgs, scratch: number]): void;
  /** The floats of gemm's scratch for A [m, k] (1 when A is read transposed). */
  gemm_scratch(m: number, k: number, transposed: number): number;
  /** See wasm/gemm-sparse.c: 1 when it computed the product, 0 when gemm must. */
  gemm_sparse_a(...args: [...GemmArgs, maxDensity: number, scratch: number]): number;
  /** The floats of gemm_sparse_a's scratch for B [k, n]. */
  gemm_sparse_a_scratch(k: number, n: number): number;
  /** The floats of residual_block's scratch for width H. */
  residual_block_scratch(width: number): number;
  /**
   * See wasm/gemm-sparse.c: 1 when it computed the block, 0 when a weight is not finite. The
   * hidden layer goes to `hiddenOut` too unless it is 0.
   */
  residual_block(
    m: number,
    width: number,
    h: number,
    w1: number,
    b1: number,
    w2: number,
    b2: number,
    out: number,
    hiddenOut: number,
    scratch: number,
  ): number;
  /** See wasm/residual-grad.c. */
  relu_grad(n: number, dy: number, x: number, out: number): void;
  /** See wasm/residual-grad.c. */
  relu_grad_add(n: number, skip: number, dy: number, x: number, out: number): void;
  /** The floats of masked_affine's scratch for x [m, k] and W [k, n]. */
  masked_affine_scratch(k: number, n: number): number;
  /** See wasm/gemm-masked.c. */
  masked_affine(
    m: number,
    n: number,
    k: number,
    x: number,
    w: number,
    mask: number,
    rows: number,
    bias: number,
    relu: number,
    y: number,
    scratch: number,
  ): void;
  /** The floats of masked_affine_grad's scratch. */
  masked_affine_grad_scratch(m: number, n: number, k: number): number;
  /** See wasm/gemm-masked.c. */
  masked_affine_grad(
    m: number,
    n: number,
    k: number,
    x: number,
    w: number,
    mask: number,
    rows: number,
    cols: number,
    dy: number,
    y: number,
    relu: number,
    dx: number,
    dw: number,
    db: number,
    scratch: number,
  ): void;
  /** See wasm/adam.c. */
  adam(
    n: number,
    x: number,
    m: number,
    v: number,
    g: number,
    x1: number,
    m1: number,
    v1: number,
    alpha: number,
    beta1: number,
    beta2: number,
    epsHat: number,
  ): void;
  /** See wasm/squared-norm.c. */
  sum_of_squares(n: number, x: number): number;
  /** See wasm/column-sum.c. */
  column_sum(rows: number, cols: number, x: number, out: number, acc: number): void;
  /** See wasm/copy-rows.c. */
  copy_rows(rows: number, run: number, src: number, stride: number, dst: number): void;
  /** See wasm/copy-rows.c. */
  place_rows(rows: number, run: number, src: number, dst: number, stride: number): void;
  /** See wasm/copy-rows.c. */
  reverse_rows(rows: number, run: number, src: number, dst: number): void;
  /** See wasm/unary.c. */
  relu(n: number, x: number, out: number): void;
  /** See wasm/unary.c. */
  step(n: number, x: number, out: number, alpha: number): void;
  /** See wasm/binary.c. */
  binary(op: number, n: number, a: number, nb: number, b: number, out: number): void;
  /** See wasm/affine-transformer.c. */
  affine_transformer(
    n: number,
    x: number,
    params: number,
    inverse: number,
    bound: number,
    y: number,
    logDet: number,
  ): void;
  /** See wasm/affine-transformer.c. */
  affine_transformer_grad(
    n: number,
    x: number,
    params: number,
    dy: number,
    dLogDet: number,
    inverse: number,
    bound: number,
    dx: number,
    dParams: number,
  ): void;
  /** See wasm/rq-spline.c. */
  rq_spline(...args: [...SplineInputs, y: number, logDet: number, ...SplineAttrs]): void;
  /** See wasm/rq-spline.c. */
  rq_spline_grad(
    ...args: [
      ...SplineInputs,
      dy: number,
      dLogDet: number,
      dx: number,
      dw: number,
      dh: number,
      dd: number,
      ...SplineAttrs,
    ]
  ): void;
}

export interface LoadedKernels {
  kernels: WasmKernels;
  /** XNNPACK's threads: above one, large products are left to its thread pool. */
  threads: number;
}

/** One instance per wasm backend instance, sharing that backend's memory. */
const loaded = new WeakMap<object, LoadedKernels>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Instantiates Diffeo's wasm kernels inside `backend`'s memory, once per backend; `threads` is
 * XNNPACK's thread count. Called by `useBackend('wasm')` after the backend starts; until then (and
 * on other backends) the kernels that use them fall back to tfjs's or to JS loops.
 */
export async function loadWasmKernels(backend: object, threads: number): Promise<void> {
  if (loaded.has(backend)) return;
  const heap = heapOf(backend);
  const memory = memoryOf(heap);
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  // Imported here, not at the top: the 138 kB of base64 become a chunk of their own that bundlers
  // load only when a wasm backend starts, so a webgl-only app never downloads them.
  const { KERNELS_WASM, KERNELS_WASM_SHARED } = await import('./kernels-wasm.gen.js');
  const { instance } = await WebAssembly.instantiate(decode(shared ? KERNELS_WASM_SHARED : KERNELS_WASM), {
    env: { memory },
  });
  const kernels = instance.exports as unknown as WasmKernels;
  warmUp(heap, kernels);
  loaded.set(backend, { kernels, threads });
}

/** The loaded kernels of `backend`, or undefined (not wasm, or not loaded yet). */
export function wasmKernelsOf(backend: unknown): LoadedKernels | undefined {
  return loaded.get(backend as object);
}

/**
 * The loaded kernels of `backend`, for the kernel `kernelName` that needs them; a `BackendError`
 * when `useBackend('wasm')` has not loaded them (the ops that call such a kernel check first).
 */
export function requireWasmKernels(backend: unknown, kernelName: string): LoadedKernels {
  const kernels = wasmKernelsOf(backend);
  if (kernels === undefined) {
    throw new BackendError(`${kernelName}: core's wasm kernels are not loaded (useBackend('wasm'))`);
  }
  return kernels;
}

/**
 * Runs a few small products so that V8 (and Chrome) queue the optimized compile of the matrix
 * product now: wasm starts in a baseline compiler (2.7 ms instead of 0.75 ms for 1024x128x128
 * here) and is optimized once it has run enough.
 */
function warmUp(heap: WasmHeapBackend, kernels: WasmKernels): void {
  const size = 64;
  const floats = size * size;
  withScratch(heap, (3 * floats + 8 * size) * 4, (base) => {
    new Float32Array(memoryOf(heap).buffer, base, 3 * floats + 8 * size).fill(0);
    const [a, b, c, scratch] = [base, base + floats * 4, base + 2 * floats * 4, base + 3 * floats * 4];
    for (let i = 0; i < 8; i++) kernels.gemm(size, size, size, a, size, 1, b, size, 1, c, 0, 0, scratch);
  });
}
