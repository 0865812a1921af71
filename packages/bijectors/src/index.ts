/**
 * @diffeo/bijectors: invertible maps with log-determinants. Importing the package registers
 * every bijector in the default registry.
 *
 * @packageDocumentation
 */
import { registerBijectors } from './plugins.js';

export {
  type AffineScale,
  AutoregressiveBijector,
  type AutoregressiveConfig,
  type AutoregressiveDirection,
  autoregressiveConfigFields,
  autoregressivePlugins,
  type HiddenDegrees,
  MADE,
  type MadeConfig,
  MaskedAffineAutoregressive,
  type MaskedAffineAutoregressiveConfig,
  MaskedRationalQuadraticAutoregressive,
  type MaskedRationalQuadraticAutoregressiveConfig,
  maskedAffineAutoregressivePlugin,
  maskedRationalQuadraticAutoregressivePlugin,
} from './autoregressive/index.js';
export { BaseBijector, rowsOf, zeroLogDet } from './base.js';
export {
  Chain,
  type ChainConfig,
  chainPlugin,
  composePlugins,
  Inverse,
  type InverseConfig,
  inversePlugin,
  RBlock,
  type RBlockConfig,
  type RBlockPart,
  rBlockConfigSchema,
  rBlockPlugin,
} from './compose/index.js';
export {
  AffineCoupling,
  type AffineCouplingConfig,
  affineCouplingConfigSchema,
  affineCouplingPlugin,
  CouplingBase,
  type CouplingSettings,
  couplingPlugins,
  type MaskSpec,
  MaskSplitter,
  maskSchema,
  RationalQuadraticCoupling,
  type RQCouplingConfig,
  resolveMask,
  rqCouplingConfigSchema,
  rqCouplingPlugin,
  type TransformerOutput,
} from './coupling/index.js';
export {
  ActNorm,
  type ActNormConfig,
  Affine,
  actNormPlugin,
  affinePlugin,
  BatchNorm,
  type BatchNormConfig,
  batchNormPlugin,
  elementwisePlugins,
  LeakyReLU,
  type LeakyReLUConfig,
  Logit,
  type LogitConfig,
  leakyReluPlugin,
  logitPlugin,
  PReLU,
  type PReLUConfig,
  preluPlugin,
  Sigmoid,
  type SigmoidConfig,
  sigmoidPlugin,
  TANH_MAX_ROW_ABS_SUM,
  Tanh,
  type TanhConfig,
  tanhPlugin,
} from './elementwise/index.js';
export {
  LULinear,
  type LULinearConfig,
  linearPlugins,
  luLinearPlugin,
  Permutation,
  type PermutationConfig,
  type PermutationSpec,
  permutationPlugin,
  resolvePermutation,
  unitTriangularInverse,
} from './linear/index.js';
export {
  type Activation,
  activate,
  activationSchema,
  addDense,
  type Conditioner,
  type ConditionerShape,
  type ConditionerSpec,
  conditionerSchema,
  createConditioner,
  type DenseInit,
  type DenseLayer,
  defaultConditionerSpec,
  dense,
  MLP,
  type MLPConfig,
  mlpConfigSchema,
  ResidualNet,
  type ResidualNetConfig,
  residualNetConfigSchema,
} from './nets/index.js';
export { plugins, registerBijectors } from './plugins.js';
export {
  DEFAULT_MIN_BIN_HEIGHT,
  DEFAULT_MIN_BIN_WIDTH,
  DEFAULT_MIN_DERIVATIVE,
  identityDerivativeOffset,
  MAX_TAIL_BOUND,
  type RationalQuadraticSplineOptions,
  rationalQuadraticSpline,
  rationalQuadraticSplineOps,
  type SplineOutput,
  type SplineParameters,
  splitSplineParameters,
  stableSoftplus,
} from './spline/index.js';
export { type BijectorReport, checkBijector, logAbsDet } from './testing/check-bijector.js';

registerBijectors();
