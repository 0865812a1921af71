import { type Bijector, defaultRegistry, type JsonObject, type Registry, type Spec } from '@diffeo/core';
import { flowsForFlowsNSFSpec } from '@diffeo/distributions';

/** How the transform f starts: exactly the identity, or nflows' random initialisation. */
export type TransformInit = 'identity' | 'random';

export interface TransformOptions {
  /** Event width. */
  dim: number;
  /** Width of f's own context (see `ContextRule.transformContextDim`); 0 for none. */
  contextDim?: number;
  /**
   * `identity` (default): every spline layer's MADE output layer is zero, so each spline is the
   * identity on [-B, B] and its linear tails are the identity outside, and the reverse permutations
   * come in an even number: f(x) = x to float precision at step 0. `random`: the MADE output layers
   * keep their random initialisation, as nflows does and as the paper's Table 1 measures.
   */
  init?: TransformInit;
  seed?: number;
}

const setIdentityInit = (spec: JsonObject, identity: boolean): JsonObject => {
  const config = spec.config as JsonObject;
  return 'identityInit' in config ? { ...spec, config: { ...config, identityInit: identity } } : spec;
};

/**
 * The spec of the paper's transform f (section 3: 4 MADE rational-quadratic spline layers, 8 bins, 2
 * residual blocks of 128, tail bound 4), with reverse permutations after every layer so that their
 * number is even and the layers compose to the identity at an identity initialisation (as ffflows
 * keeps the last permutation of a flow for flows with an even number of layers).
 *
 * @example
 * ```ts
 * import { type Bijector, create } from '@diffeo/core';
 * import { flowsForFlowsTransformSpec } from '@diffeo/flows4flows';
 *
 * // A chain of 4 spline layers, each followed by a reverse permutation; nflows' random start.
 * const spec = flowsForFlowsTransformSpec({ dim: 2, contextDim: 1, init: 'random', seed: 3 });
 * const f = create<Bijector>(spec);
 * ```
 */
export function flowsForFlowsTransformSpec(options: TransformOptions): Spec {
  const flow = flowsForFlowsNSFSpec({
    dim: options.dim,
    contextDim: options.contextDim ?? 0,
    seed: options.seed ?? 0,
  });
  const chain = flow.config.bijector as JsonObject;
  const layers = ((chain.config as JsonObject).bijectors as JsonObject[]).map((layer) =>
    setIdentityInit(layer, (options.init ?? 'identity') === 'identity'),
  );
  const permutations = layers.filter((l) => l.type === 'permutation').length;
  if (permutations % 2 === 1) {
    layers.push({
      kind: 'bijector',
      type: 'permutation',
      config: { dim: options.dim, permutation: 'reverse' },
    });
  }
  return { kind: 'bijector', type: 'chain', config: { bijectors: layers } };
}

/**
 * The paper's transform f; see {@link flowsForFlowsTransformSpec}.
 *
 * @example
 * ```ts
 * import { flowsForFlowsTransform } from '@diffeo/flows4flows';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const f = flowsForFlowsTransform({ dim: 2 }); // a Bijector, exactly the identity before training
 * const { y } = f.forward(tf.tensor2d([[0.5, -1]])); // [[0.5, -1]]
 * ```
 */
export function flowsForFlowsTransform(
  options: TransformOptions,
  registry: Registry = defaultRegistry,
): Bijector {
  return registry.create<Bijector>(flowsForFlowsTransformSpec(options));
}
