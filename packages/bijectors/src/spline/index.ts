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
} from './rational-quadratic.js';
