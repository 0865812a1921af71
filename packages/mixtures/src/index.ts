/**
 * @diffeo/mixtures: variational mixtures of normalizing flows (Pires and Figueiredo, "Variational
 * Mixture of Normalizing Flows") for density estimation, clustering and semi-supervised learning,
 * and the clustering metrics to judge them. Importing the package registers the `mixture-of-flows`
 * model in the default registry.
 *
 * @packageDocumentation
 */
import { registerMixtures } from './plugins.js';

export { mixtureElbo, mixtureLogProb } from './elbo.js';
export { adjustedRandIndex, normalizedMutualInformation } from './metrics/agreement.js';
export { type Contingency, contingencyTable, normalizedContingency } from './metrics/contingency.js';
export { clusteringAccuracy, type MatchedAccuracy, maxWeightMatching } from './metrics/hungarian.js';
export {
  MixtureOfFlows,
  type MixtureOfFlowsOptions,
  type MixtureSample,
  type MixtureSampleOptions,
  mixtureOfFlowsPlugin,
  type PosteriorConfig,
  type PriorKind,
  posteriorConfigSchema,
  priorSchema,
} from './mixture.js';
export { plugins, registerMixtures } from './plugins.js';
export {
  checkTemperature,
  type TemperatureSchedule,
  temperatureAt,
  temperatureScheduleSchema,
} from './temperature.js';
export {
  type SemiSupervisedData,
  type SemiSupervisedEpoch,
  type SemiSupervisedHistory,
  type SemiSupervisedOptions,
  type TrainMixtureOptions,
  trainMixture,
  trainSemiSupervised,
} from './train.js';

registerMixtures();
