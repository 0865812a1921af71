/**
 * @diffeo/distributions: base densities, `Flow` (a transformed distribution, conditional or not)
 * and ready-made architectures. Importing the package registers its distributions (and, through
 * @diffeo/bijectors, every bijector) in the default registry.
 *
 * @packageDocumentation
 */
import { registerDistributions } from './plugins.js';

export {
  type ArchitectureOptions,
  type FlowsForFlowsNSFOptions,
  flowsForFlowsNSF,
  flowsForFlowsNSFSpec,
  type MAFOptions,
  maf,
  mafSpec,
  type NSFOptions,
  nsf,
  nsfSpec,
  realNVP,
  realNVPSpec,
} from './architectures.js';
export { BaseDistribution } from './base-distribution.js';
export { BoxUniform, boxUniformPlugin } from './box-uniform.js';
export { ConditionalDiagonalNormal, conditionalDiagonalNormalPlugin } from './conditional-normal.js';
export { type EmbeddingConfig, embeddingSchema, Flow, type FlowOptions, flowPlugin } from './flow.js';
export {
  DiagonalNormal,
  diagonalNormalLogProb,
  diagonalNormalPlugin,
  StandardNormal,
  standardNormalPlugin,
} from './normal.js';
export { plugins, registerDistributions } from './plugins.js';

registerDistributions();
