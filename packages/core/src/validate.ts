import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, formatShape, NonFiniteError, ShapeError } from './errors.js';

/**
 * Input checks shared by every public entry point. They throw the typed errors of `errors.ts` with
 * the argument's name, what was expected and what came.
 */

/** Checks that `t` is `[batch, dim]` (with `dim` fixed when given) and returns it typed as 2-D. */
export function assertBatch(name: string, t: tf.Tensor, dim?: number): tf.Tensor2D {
  if (!(t instanceof tf.Tensor)) throw new ShapeError(`${name}: expected a tensor, got ${typeof t}`);
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

/** Throws `NonFiniteError` naming the first non-finite entry of `t` (reads the tensor back). */
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

/** Checks a positive integer option such as a sample count. */
export function assertPositiveInt(name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new ShapeError(`${name}: expected a positive integer, got ${n}`);
}

let depth = 0;

/**
 * Runs `body` as a public entry point. Finiteness of `inputs` is checked (one read-back) only at
 * the outermost call, so a chain of bijectors inside a flow checks its data once, not per layer.
 */
export function guarded<T>(inputs: readonly [string, tf.Tensor | undefined][], body: () => T): T {
  if (depth === 0) {
    for (const [name, t] of inputs) if (t !== undefined) assertFinite(name, t);
  }
  depth += 1;
  try {
    return body();
  } finally {
    depth -= 1;
  }
}

/** Checks the event and context widths a bijector or distribution is built with. */
export function assertDims(dim: number, contextDim: number): void {
  if (!Number.isInteger(dim) || dim <= 0)
    throw new ConfigError(`dim: expected a positive integer, got ${dim}`);
  if (!Number.isInteger(contextDim) || contextDim < 0) {
    throw new ConfigError(`contextDim: expected a non-negative integer, got ${contextDim}`);
  }
}
