import { type Bijector, create, type JsonObject } from '@diffeo/core';
import { type Flow, flowsForFlowsNSF, nsf, nsfSpec } from '@diffeo/distributions';
import { flowsForFlowsTransform } from '@diffeo/flows4flows';
import type { F4FArchitecture } from './protocol.js';

/** Coupling spline flows of each size (one residual block, 8 bins, tail bound 4 as the paper's). */
const COUPLING = {
  tiny: { numTransforms: 2, hiddenFeatures: 16 },
  small: { numTransforms: 4, hiddenFeatures: 32 },
} as const;

const coupling = (architecture: 'tiny' | 'small') =>
  ({ kind: 'coupling', numBlocks: 1, numBins: 8, tailBound: 4, ...COUPLING[architecture] }) as const;

/** A base flow on `dim` columns (conditional when `contextDim` > 0), starting as its standard normal. */
export function baseFlow(architecture: F4FArchitecture, dim: number, contextDim: number, seed: number): Flow {
  return architecture === 'paper'
    ? flowsForFlowsNSF({ dim, contextDim, seed })
    : nsf({ ...coupling(architecture), dim, contextDim, seed });
}

/**
 * The map f, exactly the identity at step 0: the paper's transform, or a coupling flow's spline
 * layers (zeroed at the start) with one more reverse permutation when their number is odd.
 */
export function mapTransform(
  architecture: F4FArchitecture,
  dim: number,
  contextDim: number,
  seed: number,
): Bijector {
  if (architecture === 'paper') return flowsForFlowsTransform({ dim, contextDim, seed });
  const chain = nsfSpec({ ...coupling(architecture), dim, contextDim, seed }).config.bijector as JsonObject;
  const layers = (chain.config as JsonObject).bijectors as JsonObject[];
  const reverse = { kind: 'bijector', type: 'permutation', config: { dim, permutation: 'reverse' } };
  const even = layers.filter((l) => l.type === 'permutation').length % 2 === 0;
  return create<Bijector>({
    kind: 'bijector',
    type: 'chain',
    config: { bijectors: even ? layers : [...layers, reverse] },
  });
}
