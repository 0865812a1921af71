import {
  ADAM_KERNEL,
  AFFINE_TRANSFORMER_GRAD_KERNEL,
  AFFINE_TRANSFORMER_KERNEL,
  GLOBAL_NORM_KERNEL,
  KERNELS,
  RQ_SPLINE_GRAD_KERNEL,
  RQ_SPLINE_KERNEL,
  RQ_SPLINE_PACKED_GRAD_KERNEL,
  RQ_SPLINE_PACKED_KERNEL,
} from '@diffeo/core/kernels';

/** A profiled kernel as `tf.profile` records it: its name and the shapes of its inputs and outputs. */
export interface ProfiledKernel {
  name: string;
  /** In the order of the kernel's named inputs (`null` for an absent optional input). */
  inputShapes: readonly (readonly number[] | null)[];
  outputShapes: readonly (readonly number[] | null)[];
}

/** The floating-point operations of a kernel's matrix products (2mnk each), from its shapes. */
export type FlopFormula = (kernel: ProfiledKernel) => number;

const product = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * `[..., m, k] . [..., k, n]`, either side possibly transposed: the output gives the batch, m and
 * n, and `a`'s last two axes hold m * k whichever way round they are.
 */
const batchedProduct: FlopFormula = ({ inputShapes, outputShapes }) => {
  const a = inputShapes[0];
  const out = outputShapes[0];
  if (a == null || out == null || out.length < 2) return 0;
  const m = out.at(-2)!;
  const n = out.at(-1)!;
  const k = m === 0 ? 0 : (a.at(-1)! * a.at(-2)!) / m;
  return 2 * product(out.slice(0, -2)) * m * n * k;
};

/** `h + relu(relu(h) w1 + b1) w2 + b2` with h `[m, H]`: two H x H products per row. */
const residualBlock: FlopFormula = ({ inputShapes }) => {
  const h = inputShapes[0];
  if (h == null || h.length !== 2) return 0;
  const [m, width] = h as [number, number];
  return 2 * (2 * m * width * width);
};

/** The gradient of a residual block (inputs dy, h, ...): the four H x H products of its backward. */
const residualBlockGrad: FlopFormula = ({ inputShapes }) => {
  const h = inputShapes[1];
  if (h == null || h.length !== 2) return 0;
  const [m, width] = h as [number, number];
  return 4 * (2 * m * width * width);
};

/** `x w + b` (inputs x [m, k], w [k, n]): one product. */
const affine: FlopFormula = ({ inputShapes }) => {
  const [x, w] = inputShapes;
  if (x == null || w == null || x.length !== 2 || w.length !== 2) return 0;
  return 2 * x[0]! * x[1]! * w[1]!;
};

/** The gradient of `x w + b` (inputs dy [m, n], x [m, k]): dx = dy w^T and dw = x^T dy. */
const affineGrad: FlopFormula = ({ inputShapes }) => {
  const [dy, x] = inputShapes;
  if (dy == null || x == null || dy.length !== 2 || x.length !== 2) return 0;
  return 2 * (2 * x[0]! * x[1]! * dy[1]!);
};

/**
 * The matrix-product FLOPs of every kernel that multiplies matrices, by kernel name: tfjs's
 * products and Diffeo's own product kernels. A kernel that skips work (masked-out blocks, a ReLU's
 * zeros) is still counted as the dense product it stands for, as PyTorch computes it, so the rate
 * of two implementations of one model compares like for like. A new product kernel is one line
 * here (the completeness test in `flops.test.ts` fails until it is).
 */
export const PRODUCT_FLOPS: Readonly<Record<string, FlopFormula>> = {
  BatchMatMul: batchedProduct,
  _FusedMatMul: batchedProduct,
  DiffeoResidualBlock: residualBlock,
  DiffeoResidualBlockGrad: residualBlockGrad,
  DiffeoAffineTrain: affine,
  DiffeoAffineGrad: affineGrad,
  // x [m, k], weight [k, n] first: counted dense, as PyTorch multiplies the mask in.
  DiffeoMaskedAffine: affine,
  DiffeoMaskedAffineGrad: (kernel) => 2 * affine(kernel),
  DiffeoMaskedResidualBlock: residualBlock,
  DiffeoMaskedResidualBlockGrad: residualBlockGrad,
};

/** Diffeo's own kernels known to do no matrix product (elementwise or per-variable work). */
export const NO_PRODUCT_KERNELS: ReadonlySet<string> = new Set([
  ADAM_KERNEL,
  AFFINE_TRANSFORMER_KERNEL,
  AFFINE_TRANSFORMER_GRAD_KERNEL,
  GLOBAL_NORM_KERNEL,
  RQ_SPLINE_KERNEL,
  RQ_SPLINE_GRAD_KERNEL,
  RQ_SPLINE_PACKED_KERNEL,
  RQ_SPLINE_PACKED_GRAD_KERNEL,
]);

/** Names that say "matrix product" among tfjs's kernels and the ones a Diffeo kernel would take. */
const PRODUCT_NAME = /matmul|conv|einsum|residual|masked|made|dense|gemm|linear|affine/i;

/**
 * Whether a profiled name is the scope of an op with a custom gradient (`fusedMatMul__op`), which
 * `tf.profile` lists beside the kernels it ran, timed around them: not a kernel of its own.
 */
export const isOpScope = (name: string): boolean => name.endsWith('__op');

/** Diffeo's own kernel names (core's kernel map, and the `Diffeo` prefix they all take). */
const diffeoKernels = new Set(KERNELS.filter((k) => !k.replaces).map((k) => k.kernelName));
const isDiffeoKernel = (name: string) => diffeoKernels.has(name) || name.startsWith('Diffeo');

/**
 * The kernels among `names` known to do matrix products but without a formula in
 * {@link PRODUCT_FLOPS}: a name that says so, or any of Diffeo's own kernels not listed in
 * {@link NO_PRODUCT_KERNELS}. Their arithmetic would be missing from the count. The scopes of ops
 * with a custom gradient, which `tf.profile` lists beside the kernels they ran, are not kernels.
 */
export function productKernelsWithoutFormula(names: Iterable<string>): string[] {
  const missing = new Set<string>();
  for (const name of names) {
    if (Object.hasOwn(PRODUCT_FLOPS, name) || NO_PRODUCT_KERNELS.has(name)) continue;
    // An op with a custom gradient is profiled as a scope (`fusedMatMul__op`) around its kernels.
    if (isOpScope(name)) continue;
    if (PRODUCT_NAME.test(name) || isDiffeoKernel(name)) missing.add(name);
  }
  return [...missing].sort();
}

/** The matrix-product FLOPs of a profiled step or pass, and the kernels that did them. */
export interface ProductFlops {
  flops: number;
  /** Profiled kernels with a formula, by name: calls and FLOPs. */
  byKernel: Record<string, { count: number; flops: number }>;
  /** Profiled kernels that do products but have no formula (see {@link productKernelsWithoutFormula}). */
  withoutFormula: string[];
}

/** Counts the matrix-product FLOPs of the profiled kernels. */
export function productFlops(kernels: readonly ProfiledKernel[]): ProductFlops {
  const byKernel: Record<string, { count: number; flops: number }> = {};
  let flops = 0;
  for (const kernel of kernels) {
    const formula = Object.hasOwn(PRODUCT_FLOPS, kernel.name) ? PRODUCT_FLOPS[kernel.name] : undefined;
    if (formula === undefined) continue;
    const f = formula(kernel);
    const row = byKernel[kernel.name] ?? { count: 0, flops: 0 };
    row.count += 1;
    row.flops += f;
    byKernel[kernel.name] = row;
    flops += f;
  }
  return { flops, byKernel, withoutFormula: productKernelsWithoutFormula(kernels.map((k) => k.name)) };
}

/** Whether a kernel's time counts as matrix-product time: it has a FLOP formula. */
export const isProductKernel = (name: string): boolean => Object.hasOwn(PRODUCT_FLOPS, name);
