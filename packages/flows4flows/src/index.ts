/**
 * @diffeo/flows4flows: flows for flows (Klein, Raine, Golling 2022), one invertible map between two
 * arbitrary (conditional) distributions whose base densities are trained flows. Importing the
 * package registers the `flows-for-flows` model in the default registry.
 *
 * @packageDocumentation
 */
import '@diffeo/distributions';
import { registerFlows4Flows } from './plugins.js';

export { type BaseTransferOptions, baseTransfer } from './base-transfer.js';
export {
  type ContextConfig,
  type ContextFunction,
  ContextRule,
  type ContextType,
  contextSchema,
  registerContextFunction,
} from './context.js';
export {
  type Direction,
  FlowForFlow,
  type FlowForFlowOptions,
  flowForFlowPlugin,
  type MappedRows,
  type RowGroup,
  type TransportOptions,
} from './flow-for-flow.js';
export { meanNll, meanTranslation, outOfDistributionFraction, quantile } from './metrics.js';
export {
  FlowForFlowObjective,
  flowForFlowObjective,
  type ObjectiveOptions,
  pairData,
  type SideData,
  type TrainingDirection,
} from './objective.js';
export {
  type DistanceFunction,
  DistancePenalty,
  l1Distance,
  l2Distance,
  type PenaltyConfig,
  penaltySchema,
  registerDistance,
} from './penalty.js';
export { plugins, registerFlows4Flows } from './plugins.js';
export {
  flowsForFlowsTransform,
  flowsForFlowsTransformSpec,
  type TransformInit,
  type TransformOptions,
} from './transform.js';

registerFlows4Flows();
