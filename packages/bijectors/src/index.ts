/**
 * @diffeo/bijectors: invertible maps with log-determinants. Importing the package registers
 * every bijector in the default registry. What a user builds flows from, and what a package author
 * extends (the base class, the two layer families, transformers, conditioner networks), is exported
 * here; the property suite a bijector's tests run is `@diffeo/bijectors/testing`.
 *
 * @packageDocumentation
 */
import { registerBijectors } from './plugins.js';

export {
  type HiddenDegrees,
  hiddenDegreesSchema,
  MADE,
  type MADEConfig,
  MaskedAffineAutoregressive,
  type MaskedAffineAutoregressiveConfig,
  MaskedAutoregressive,
  type MaskedAutoregressiveOptions,
  MaskedRationalQuadraticAutoregressive,
  type MaskedRationalQuadraticAutoregressiveConfig,
  maskedAffineAutoregressiveConfigSchema,
  maskedAutoregressiveFields,
  maskedRationalQuadraticAutoregressiveConfigSchema,
} from './autoregressive/index.js';
export { BaseBijector, zeroLogDet } from './base.js';
export {
  Chain,
  type ChainConfig,
  Inverse,
  type InverseConfig,
  RBlock,
  type RBlockConfig,
  type RBlockPart,
} from './compose/index.js';
export {
  AffineCoupling,
  type AffineCouplingConfig,
  affineCouplingConfigSchema,
  Coupling,
  type CouplingOptions,
  couplingFields,
  type MaskSpec,
  RationalQuadraticCoupling,
  type RQCouplingConfig,
  rqCouplingConfigSchema,
} from './coupling/index.js';
export {
  ActNorm,
  type ActNormConfig,
  Affine,
  BatchNorm,
  type BatchNormConfig,
  LeakyReLU,
  type LeakyReLUConfig,
  Logit,
  type LogitConfig,
  PReLU,
  type PReLUConfig,
  Sigmoid,
  type SigmoidConfig,
  TANH_MAX_ROW_ABS_SUM,
  Tanh,
  type TanhConfig,
} from './elementwise/index.js';
export {
  LULinear,
  type LULinearConfig,
  Permutation,
  type PermutationConfig,
  type PermutationSpec,
} from './linear/index.js';
export {
  type Activation,
  activationSchema,
  type Conditioner,
  type ConditionerSpec,
  type DenseLayer,
  MLP,
  type MLPConfig,
  ResidualNet,
  type ResidualNetConfig,
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
  type SplineOutput,
  type SplineParameters,
  splitSplineParameters,
} from './spline/index.js';
export {
  type AffineScale,
  type AffineTransformerOptions,
  affine,
  type RationalQuadraticFields,
  type RationalQuadraticTransformerOptions,
  rationalQuadratic,
  type Transformer,
  type TransformerContext,
  type TransformerOutput,
} from './transformers/index.js';

registerBijectors();
