export { type Activation, activate, activationSchema } from './activation.js';
export {
  type Conditioner,
  type ConditionerShape,
  type ConditionerSpec,
  conditionerSchema,
  createConditioner,
  defaultConditionerSpec,
} from './conditioner.js';
export { addDense, type DenseInit, type DenseLayer, dense } from './dense.js';
export { MLP, type MLPConfig, mlpConfigSchema } from './mlp.js';
export { ResidualNet, type ResidualNetConfig, residualNetConfigSchema } from './residual-net.js';
