import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from './errors.js';

/**
 * A seeded random source (sfc32 on 32-bit integers, seeded through splitmix32), the same numbers on
 * every platform and backend because it never calls a backend. Every initializer and data generator
 * in Diffeo takes one.
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng.uniform();          // in [0, 1)
 * rng.normalArray(4);     // Float32Array of 4 standard normals
 * const child = rng.fork(); // independent stream, itself deterministic
 * ```
 */
export interface Rng {
  /** The seed the generator was created with. */
  readonly seed: number;
  /** A uniform number in [0, 1). */
  uniform(): number;
  /** A standard normal number (Box-Muller). */
  normal(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** A Float32Array of `n` uniforms in [low, high). */
  uniformArray(n: number, low?: number, high?: number): Float32Array;
  /** A Float32Array of `n` standard normals. */
  normalArray(n: number): Float32Array;
  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array;
  /** A new generator whose stream is determined by this one's state. */
  fork(): Rng;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Creates a seeded random source. The seed must be a finite integer.
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng.normalArray(4); // the same 4 standard normals on every platform
 * ```
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) {
    throw new ConfigError(`seed: expected an integer, got ${seed}`);
  }
  const mix = splitmix32(seed);
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  let spare: number | null = null;

  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  // 53-bit uniform from two 32-bit draws.
  const uniform = (): number => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  for (let i = 0; i < 12; i++) nextUint32();

  const rng: Rng = {
    seed,
    uniform,
    normal,
    int: (n) => Math.floor(uniform() * n),
    uniformArray(n, low = 0, high = 1) {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = low + (high - low) * uniform();
      return out;
    },
    normalArray(n) {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = normal();
      return out;
    },
    permutation(n) {
      const p = new Int32Array(n);
      for (let i = 0; i < n; i++) p[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(uniform() * (i + 1));
        const t = p[i]!;
        p[i] = p[j]!;
        p[j] = t;
      }
      return p;
    },
    fork: () => createRng(nextUint32() | 0),
  };
  return rng;
}

let globalRng: Rng = createRng(Math.floor(Math.random() * 2 ** 31));

/**
 * Seeds the global random source, used wherever no seed or `Rng` is passed (like `tf.setSeed`).
 *
 * @example
 * ```ts
 * import { setSeed } from '@diffeo/core';
 * import { realNVP } from '@diffeo/distributions';
 *
 * setSeed(42); // every call without a seed now draws from this stream
 * const flow = realNVP({ dim: 2, seed: 0 });
 * const x = flow.sample(100); // the same 100 rows in every run of this script
 * ```
 */
export function setSeed(seed: number): void {
  globalRng = createRng(seed);
}

/**
 * Resolves the usual `seed` argument: a non-negative integer (a fresh `createRng(seed)`), an
 * {@link Rng} to advance, or `undefined` for the global source. Anything else (1.5, '42', -1, an
 * object without the Rng methods) is a `ConfigError` naming `name`.
 *
 * @example
 * ```ts
 * import { createRng, toRng } from '@diffeo/core';
 *
 * toRng(42).uniform(); // a fresh generator seeded with 42
 * const rng = createRng(7);
 * toRng(rng) === rng; // true: a generator is advanced, not copied
 * toRng(); // the global source (see setSeed)
 * toRng(1.5); // ConfigError: seed: expected a non-negative integer or an Rng from createRng, got 1.5
 * ```
 */
export function toRng(seedOrRng?: number | Rng, name = 'seed'): Rng {
  if (seedOrRng === undefined) return globalRng;
  if (typeof seedOrRng === 'number') {
    if (!Number.isSafeInteger(seedOrRng) || seedOrRng < 0) {
      throw new ConfigError(
        `${name}: expected a non-negative integer or an Rng from createRng, got ${seedOrRng}`,
      );
    }
    return createRng(seedOrRng);
  }
  if (!isRng(seedOrRng)) {
    const got = typeof seedOrRng === 'string' ? `the string '${seedOrRng}'` : String(seedOrRng);
    throw new ConfigError(`${name}: expected a non-negative integer or an Rng from createRng, got ${got}`);
  }
  return seedOrRng;
}

/**
 * Whether `value` has the methods of an {@link Rng} (so one built by a user works too).
 *
 * @example
 * ```ts
 * import { createRng, isRng } from '@diffeo/core';
 *
 * isRng(createRng(42)); // true
 * isRng(42); // false: a seed, not a generator
 * ```
 */
export function isRng(value: unknown): value is Rng {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return ['uniform', 'normal', 'int', 'uniformArray', 'normalArray', 'permutation', 'fork'].every(
    (k) => typeof r[k] === 'function',
  );
}

/**
 * A float32 tensor of standard normals of any shape from `rng`.
 *
 * @example
 * ```ts
 * import { createRng, randomNormal } from '@diffeo/core';
 *
 * const eps = randomNormal([100, 2], createRng(0)); // the same 100 x 2 standard normals on every backend
 * ```
 */
export function randomNormal(shape: readonly number[], rng: Rng): tf.Tensor {
  const size = shape.reduce((p, s) => p * s, 1);
  return tf.tensor(rng.normalArray(size), [...shape], 'float32');
}

/**
 * A float32 tensor of uniforms in [low, high) from `rng`.
 *
 * @example
 * ```ts
 * import { createRng, randomUniform } from '@diffeo/core';
 *
 * const u = randomUniform([100, 2], createRng(0), -4, 4); // 100 x 2 uniforms in [-4, 4)
 * ```
 */
export function randomUniform(shape: readonly number[], rng: Rng, low = 0, high = 1): tf.Tensor {
  const size = shape.reduce((p, s) => p * s, 1);
  return tf.tensor(rng.uniformArray(size, low, high), [...shape], 'float32');
}
