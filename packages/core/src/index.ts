/**
 * @diffeo/core: the contracts every Diffeo package shares (Bijector, Distribution, Module), the
 * plugin registry, serialization on tf.io, typed errors, backend selection, the training loop and
 * the seeded random source. Importing it registers tfjs-core's gradients and, in Node, a `file://`
 * handler for tf.io.
 *
 * @packageDocumentation
 */
import '#gradients';
import './sum-gradient.js';
import '#file-router';
import './kernels/install.js';

export {
  type BackendInfo,
  type BackendName,
  checkWebglPrecision,
  type UseBackendOptions,
  useBackend,
} from './backend.js';
export { describeIssues, nearestName, parseConfig, seedSchema } from './config.js';
export type {
  Batch,
  Bijector,
  BijectorOutput,
  Distribution,
  Json,
  JsonObject,
  Module,
  NamedVariable,
  PluginKind,
  SampleOptions,
  SampleWithLogProb,
  Spec,
  Trainable,
} from './contracts.js';
export { specOf } from './contracts.js';
export {
  BackendError,
  ConfigError,
  DiffeoError,
  formatShape,
  NonFiniteError,
  RegistryError,
  SerializationError,
  ShapeError,
} from './errors.js';
export { glorotUniform, uniformInit } from './init.js';
export { FORMAT_NAME, FORMAT_VERSION, fromArtifacts, load, save, toArtifacts } from './io/artifacts.js';
export {
  type AnySpec,
  BUILT_IN_TYPES,
  type CreatedBy,
  type CreateFunction,
  create,
  createRegistry,
  defaultRegistry,
  definePlugin,
  has,
  type KnownSpec,
  list,
  type Plugin,
  type PluginContext,
  type PluginTypes,
  type Registry,
  register,
  specConfigSchema,
} from './registry.js';
export { createRng, isRng, type Rng, randomNormal, randomUniform, setSeed, toRng } from './rng.js';
export { Adam, type AdamOptions } from './train/adam.js';
export {
  type EpochInfo,
  type FitData,
  type FitHistory,
  type FitOptions,
  fit,
  type StepInfo,
  type StopReason,
} from './train/fit.js';
export { learningRateAt, type Schedule } from './train/schedule.js';
export { WeightSnapshot } from './train/snapshot.js';
export {
  assertBatch,
  assertContext,
  assertDims,
  assertFinite,
  assertPositiveInt,
  assertSampleCount,
  guarded,
  MAX_SAMPLE_VALUES,
} from './validate.js';
export { prefixed, trainableVariables, VariableStore } from './variables.js';
