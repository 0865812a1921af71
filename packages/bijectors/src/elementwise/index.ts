import { actNormPlugin } from './act-norm.js';
import { affinePlugin } from './affine.js';
import { batchNormPlugin } from './batch-norm.js';
import { leakyReluPlugin } from './leaky-relu.js';
import { logitPlugin } from './logit.js';
import { preluPlugin } from './prelu.js';
import { sigmoidPlugin } from './sigmoid.js';
import { tanhPlugin } from './tanh.js';

export { ActNorm, type ActNormConfig, actNormPlugin } from './act-norm.js';
export { Affine, affinePlugin } from './affine.js';
export { BatchNorm, type BatchNormConfig, batchNormPlugin } from './batch-norm.js';
export { LeakyReLU, type LeakyReLUConfig, leakyReluPlugin } from './leaky-relu.js';
export { Logit, type LogitConfig, logitPlugin } from './logit.js';
export { PReLU, type PReLUConfig, preluPlugin } from './prelu.js';
export { Sigmoid, type SigmoidConfig, sigmoidPlugin } from './sigmoid.js';
export { TANH_MAX_ROW_ABS_SUM, Tanh, type TanhConfig, tanhPlugin } from './tanh.js';

/** The elementwise bijector plugins. */
export const elementwisePlugins = [
  affinePlugin,
  actNormPlugin,
  batchNormPlugin,
  preluPlugin,
  leakyReluPlugin,
  sigmoidPlugin,
  logitPlugin,
  tanhPlugin,
];
