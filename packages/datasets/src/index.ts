/**
 * @diffeo/datasets: seeded generators of every data set in the Diffeo papers (flows for flows,
 * marginalizing flows, variational mixtures of flows), the UCI 8x8 digits shipped inside the
 * package, CSV/JSON loaders and seeded splits. Importing the package registers every data set in
 * the default registry (kind 'dataset'). The path loaders live in `@diffeo/datasets/node`.
 *
 * @packageDocumentation
 */
import { registerDatasets } from './plugins.js';

export { BaseDataset } from './base.js';
export { type ConditionalConfig, ConditionalDataset, conditionalPlugin } from './conditional/conditional.js';
export {
  DIGITS_COUNTS,
  DIGITS_LEVELS,
  DIGITS_PIXELS,
  Digits,
  type DigitsConfig,
  digitsPlugin,
  loadDigits,
} from './digits/digits.js';
export { type CsvOptions, parseCsv } from './loaders/csv.js';
export { loadCsvFile, loadJsonFile } from './loaders/file.js';
export { type JsonArrayOptions, parseJsonArray } from './loaders/json.js';
export type { ColumnOptions, ColumnRef } from './loaders/table.js';
export { Checkerboard, type CheckerboardConfig, checkerboardPlugin } from './planar/checkerboard.js';
export {
  ConcentricRings,
  type ConcentricRingsConfig,
  concentricRingsPlugin,
} from './planar/concentric-rings.js';
export {
  FOUR_CIRCLE_CENTRES,
  FourCircles,
  type FourCirclesConfig,
  fourCirclesPlugin,
} from './planar/four-circles.js';
export { HalfMoons, type HalfMoonsConfig, halfMoonsPlugin } from './planar/half-moons.js';
export { Pinwheel, type PinwheelConfig, pinwheelPlugin } from './planar/pinwheel.js';
export { Ring, type RingConfig, ringPlugin } from './planar/ring.js';
export { Spirals, type SpiralsConfig, spiralsPlugin } from './planar/spirals.js';
export {
  EightStar,
  type EightStarConfig,
  eightStarPlugin,
  Star,
  type StarConfig,
  starPlugin,
} from './planar/star.js';
export { TwoCircles, type TwoCirclesConfig, twoCirclesPlugin } from './planar/two-circles.js';
export { plugins, registerDatasets } from './plugins.js';
export { GaussianPower, type GaussianPowerConfig, gaussianPowerPlugin } from './power/gaussian-power.js';
export { type DataSplits, type SplitOptions, selectRows, splitData } from './split.js';
export { type DataTensors, toTensors } from './tensors.js';
export type { DataArrays, Dataset } from './types.js';

registerDatasets();
