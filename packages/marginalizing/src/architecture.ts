import { ConfigError, type JsonObject, type Spec } from '@diffeo/core';
import '@diffeo/distributions';

/** The thesis's flow on the widened space Q = D + B (see {@link rBlockFlowSpec}). */
export interface RBlockFlowOptions {
  /** Width of the flow's events: D + B for a marginalizing flow. At least 2 (coupling layers). */
  dim: number;
  /** R-blocks (default 4, the thesis's "1 coupling, 4 R-blocks"). */
  numBlocks?: number;
  /** Hidden units of every coupling layer's MLP conditioner (default 64). */
  hiddenFeatures?: number;
  /** Hidden layers of every conditioner MLP (default 2). */
  hiddenLayers?: number;
  /** Seeds every block (block i uses seed + i). */
  seed?: number;
}

/**
 * The spec of the marginalizing-flows thesis's architecture (de Boer 2020, section 2.1.4): a
 * standard normal base on `dim` dimensions and, from the data side, one actnorm followed by
 * `numBlocks` R-blocks (affine coupling, reverse permutation, affine coupling, random
 * permutation, actnorm), the last without its random permutation and actnorm. Every coupling
 * starts as the identity, so the untrained flow is its base.
 *
 * @example
 * ```ts
 * const flow = registry.create<Flow>(rBlockFlowSpec({ dim: 4, numBlocks: 4, seed: 0 }));
 * ```
 */
export function rBlockFlowSpec(options: RBlockFlowOptions): Spec {
  const { dim, numBlocks = 4, hiddenFeatures = 64, hiddenLayers = 2, seed = 0 } = options;
  if (!Number.isInteger(dim) || dim < 2) {
    throw new ConfigError(
      `dim: expected an integer >= 2 (a coupling layer splits its input in two), got ${dim}`,
    );
  }
  if (!Number.isInteger(numBlocks) || numBlocks < 1) {
    throw new ConfigError(`numBlocks: expected a positive integer, got ${numBlocks}`);
  }
  // Generative order (latent -> data): the data-side block, with the leading actnorm, comes last.
  const blocks: JsonObject[] = Array.from({ length: numBlocks }, (_, i) => ({
    kind: 'bijector',
    type: 'r-block',
    config: {
      dim,
      conditioner: { type: 'mlp', hiddenFeatures, numHiddenLayers: hiddenLayers, activation: 'relu' },
      leadingActNorm: i === 0,
      last: i === numBlocks - 1,
      seed: seed + i,
    },
  })).reverse();
  return {
    kind: 'distribution',
    type: 'flow',
    config: {
      base: { kind: 'distribution', type: 'standard-normal', config: { dim } },
      bijector: { kind: 'bijector', type: 'chain', config: { bijectors: blocks } },
      contextDim: 0,
    },
  };
}
