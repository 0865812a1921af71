import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, formatShape, NonFiniteError, ShapeError } from './errors.js';

/**
 * Input checks shared by every public entry point. They throw the typed errors of `errors.ts` with
 * the argument's name, what was expected and what came.
 */

/**
 * Checks that `t` is a float32 `[batch, dim]` tensor (with `dim` fixed when given) and returns it
 * typed as 2-D. Integer and boolean tensors are refused: kernels read their bits as floats and
 * layers would return integer outputs, so densities would be silently wrong.
 *
 * @example
 * ```ts
 * import { assertBatch } from '@diffeo/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const x = assertBatch('x', tf.zeros([4, 2]), 2); // the same tensor, typed tf.Tensor2D
 * assertBatch('x', tf.zeros([4, 3]), 2); // ShapeError: x: expected shape [batch, 2], got [4, 3]
 * ```
 */
export function assertBatch(name: string, t: tf.Tensor, dim?: number): tf.Tensor2D {
  if (!(t instanceof tf.Tensor)) throw new ShapeError(`${name}: expected a tensor, got ${typeof t}`);
  if (t.dtype !== 'float32') {
    throw new ShapeError(
      `${name}: expected a float32 tensor, got ${t.dtype} (convert it with tf.cast(x, 'float32'))`,
    );
  }
  if (t.rank !== 2) {
    throw new ShapeError(
      `${name}: expected a 2-D tensor [batch, ${dim ?? 'dim'}], got shape ${formatShape(t.shape)}`,
    );
  }
  if (dim !== undefined && t.shape[1] !== dim) {
    throw new ShapeError(`${name}: expected shape [batch, ${dim}], got ${formatShape(t.shape)}`);
  }
  return t as tf.Tensor2D;
}

/**
 * Checks a context against a model's `contextDim` and the batch it goes with: required when
 * `contextDim > 0`, forbidden when 0, `[rows, contextDim]` with `rows` equal to the batch.
 *
 * @example
 * ```ts
 * import { assertContext } from '@diffeo/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const c = assertContext('context', tf.ones([4, 1]), 1, 4); // tf.Tensor2D [4, 1]
 * assertContext('context', undefined, 0, 4); // undefined: an unconditional model takes none
 * assertContext('context', undefined, 1, 4); // ShapeError: context: expected a context of shape [4, 1], got none
 * ```
 */
export function assertContext(
  name: string,
  context: tf.Tensor | undefined,
  contextDim: number,
  rows: number,
): tf.Tensor2D | undefined {
  if (contextDim === 0) {
    if (context !== undefined) {
      throw new ShapeError(`${name}: this model is unconditional (contextDim 0) but a context was given`);
    }
    return undefined;
  }
  if (context === undefined) {
    throw new ShapeError(`${name}: expected a context of shape [${rows}, ${contextDim}], got none`);
  }
  const c = assertBatch(name, context, contextDim);
  if (c.shape[0] !== rows) {
    throw new ShapeError(
      `${name}: expected ${rows} context rows (one per input row), got ${formatShape(c.shape)}`,
    );
  }
  return c;
}

/**
 * Throws `NonFiniteError` naming the first non-finite entry of `t` (reads the tensor back).
 *
 * @example
 * ```ts
 * import { assertFinite } from '@diffeo/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * assertFinite('x', tf.tensor2d([[0, 1], [Number.NaN, 2]]));
 * // NonFiniteError: x: expected finite values, got NaN at row 1, column 0
 * ```
 */
export function assertFinite(name: string, t: tf.Tensor): void {
  const values = t.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      const cols = t.rank === 2 ? t.shape[1]! : 0;
      const where = cols > 0 ? `row ${Math.floor(i / cols)}, column ${i % cols}` : `index ${i}`;
      throw new NonFiniteError(`${name}: expected finite values, got ${v} at ${where}`);
    }
  }
}

/**
 * Checks a positive integer option such as a sample count.
 *
 * @example
 * ```ts
 * import { assertPositiveInt } from '@diffeo/core';
 *
 * assertPositiveInt('batchSize', 256); // fine
 * assertPositiveInt('batchSize', 0); // ShapeError: batchSize: expected a positive integer, got 0
 * ```
 */
export function assertPositiveInt(name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new ShapeError(`${name}: expected a positive integer, got ${n}`);
}

/**
 * The most values one `sample` call may allocate: 2^28 float32 values, 1 GiB. Larger requests
 * would exhaust memory (or overflow a typed array's length) before returning anything; draw them
 * in chunks instead.
 */
export const MAX_SAMPLE_VALUES = 2 ** 28;

/**
 * Checks a sample count `n` for rows of `width` values: a positive integer whose `n * width`
 * values can be allocated (at most {@link MAX_SAMPLE_VALUES}).
 *
 * @example
 * ```ts
 * import { assertSampleCount } from '@diffeo/core';
 *
 * assertSampleCount('n', 10_000, 2); // fine
 * assertSampleCount('n', 2 ** 28, 2); // ShapeError: n: expected at most 134217728 rows of 2 values (...); draw them in chunks
 * ```
 */
export function assertSampleCount(name: string, n: number, width: number): void {
  assertPositiveInt(name, n);
  if (n * Math.max(width, 1) > MAX_SAMPLE_VALUES) {
    const rows = Math.floor(MAX_SAMPLE_VALUES / Math.max(width, 1));
    throw new ShapeError(
      `${name}: expected at most ${rows} rows of ${width} values (${MAX_SAMPLE_VALUES} values, 1 GiB) per call, got ${n}; draw them in chunks`,
    );
  }
}

let depth = 0;

/** The `[batch]` tensors of a result (a logProb, or the logDet of `{ y, logDet }`), for the NaN check. */
function perRowTensors(result: unknown): [string, tf.Tensor][] {
  if (result instanceof tf.Tensor) return result.rank === 1 ? [['result', result]] : [];
  if (result === null || typeof result !== 'object') return [];
  return Object.entries(result).filter(
    (e): e is [string, tf.Tensor] => e[1] instanceof tf.Tensor && e[1].rank === 1,
  );
}

function largestMagnitude(inputs: readonly [string, tf.Tensor | undefined][]): number {
  let m = 0;
  for (const [, t] of inputs) {
    if (t === undefined) continue;
    for (const v of t.dataSync()) m = Math.max(m, Math.abs(v));
  }
  return m;
}

/**
 * Runs `body` as a public entry point. At the outermost call only (so a chain of bijectors inside
 * a flow checks once, not per layer): the `inputs` must be finite, and the per-row results (a
 * logProb, a logDet) may not be NaN. A NaN from finite inputs means they lie beyond what float32
 * can compute for this model (or its weights are broken): a `NonFiniteError` says so instead of
 * returning the NaN.
 *
 * @example
 * ```ts
 * import { guarded } from '@diffeo/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * // A public method of a custom model: finite inputs in, a NaN per-row result becomes an error.
 * const logSum = (x: tf.Tensor2D) => guarded([['x', x]], () => tf.tidy(() => tf.sum(tf.log(x), 1) as tf.Tensor1D));
 * logSum(tf.tensor2d([[1, 2]])); // [0.693]
 * logSum(tf.tensor2d([[-1, 2]])); // NonFiniteError: x: the result of row 0 is NaN for finite inputs (...)
 * ```
 */
export function guarded<T>(inputs: readonly [string, tf.Tensor | undefined][], body: () => T): T {
  const outer = depth === 0;
  if (outer) {
    for (const [name, t] of inputs) if (t !== undefined) assertFinite(name, t);
  }
  depth += 1;
  let result: T;
  try {
    result = body();
  } finally {
    depth -= 1;
  }
  if (outer) {
    for (const [key, t] of perRowTensors(result)) {
      const values = t.dataSync();
      const row = values.findIndex((v) => Number.isNaN(v));
      if (row >= 0) {
        tf.dispose(result as tf.TensorContainer);
        const where = inputs[0]?.[0] ?? 'result';
        throw new NonFiniteError(
          `${where}: the ${key} of row ${row} is NaN for finite inputs (largest |value| ${largestMagnitude(inputs).toPrecision(3)}): they are beyond what float32 can compute for this model, or its weights are not finite`,
        );
      }
    }
  }
  return result;
}

/**
 * Runs `body` as if inside an entry point: the `guarded` calls it makes are inner calls and skip
 * their checks, so nothing is read back from the device. For a caller that checks the inputs and
 * the result itself: `fit` checks its data once before the first step and every step's loss and
 * gradient norm, read back asynchronously, where these checks would read back synchronously (and
 * stall webgl's queue) at every step.
 */
export function withoutEntryChecks<T>(body: () => T): T {
  depth += 1;
  try {
    return body();
  } finally {
    depth -= 1;
  }
}

/**
 * Checks the event and context widths a bijector or distribution is built with.
 *
 * @example
 * ```ts
 * import { assertDims } from '@diffeo/core';
 *
 * assertDims(2, 1); // a 2-D event with a 1-column context: fine
 * assertDims(2.5, 0); // ConfigError: dim: expected a positive integer, got 2.5
 * ```
 */
export function assertDims(dim: number, contextDim: number): void {
  if (!Number.isInteger(dim) || dim <= 0)
    throw new ConfigError(`dim: expected a positive integer, got ${dim}`);
  if (!Number.isInteger(contextDim) || contextDim < 0) {
    throw new ConfigError(`contextDim: expected a non-negative integer, got ${contextDim}`);
  }
}
