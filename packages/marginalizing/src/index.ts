/**
 * @diffeo/marginalizing: marginalizing flows (de Boer 2020), a flow on D + B dimensions whose B
 * auxiliary Gaussian dimensions are integrated out by importance sampling. Importing the package
 * registers its model in the default registry (and, through @diffeo/distributions, every flow).
 *
 * @packageDocumentation
 */
import { registerMarginalizing } from './plugins.js';

export { type RBlockFlowOptions, rBlockFlowSpec } from './architecture.js';
export { LogMeanExp } from './log-mean-exp.js';
export {
  type MarginalEstimate,
  MarginalizingFlow,
  type MarginalizingFlowConfig,
  type MarginalOptions,
  type MarginalSampleOptions,
  marginalizingFlowConfigSchema,
  marginalizingFlowPlugin,
} from './marginalizing-flow.js';
export { plugins, registerMarginalizing } from './plugins.js';

registerMarginalizing();
