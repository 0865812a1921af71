import {
  ConfigError,
  defaultRegistry,
  definePlugin,
  type JsonObject,
  parseConfig,
  type Registry,
  type Rng,
} from '@diffeo/core';
import { z } from 'zod';
import { BaseDataset } from '../base.js';
import type { DataArrays, Dataset } from '../types.js';

const common = {
  base: z.string().min(1),
  baseConfig: z.record(z.string(), z.json()).default({}),
};

const rotateSchema = z.strictObject({
  ...common,
  transform: z.literal('rotate'),
  maxAngle: z.number().positive().max(360).default(45),
  fitBox: z.boolean().default(true),
  condition: z.number().min(0).max(1).optional(),
});

const scaleSchema = z
  .strictObject({
    ...common,
    transform: z.literal('scale'),
    minScale: z.number().positive().lt(1).default(0.5),
    condition: z.number().positive().max(1).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.condition !== undefined && c.condition < c.minScale) {
      ctx.addIssue({
        code: 'custom',
        path: ['condition'],
        message: `expected a scale in [minScale, 1] = [${c.minScale}, 1], got ${c.condition}`,
      });
    }
  });

const schema = z.discriminatedUnion('transform', [rotateSchema, scaleSchema]);

/** The config of {@link ConditionalDataset}. */
export type ConditionalConfig = z.input<typeof schema>;

/**
 * The conditional data sets of the flows-for-flows paper (section 3.3, companion code
 * `RotatedData` and `RadialScale`): any 2-D unconditional data set of the registry (`base`, with
 * `baseConfig`) transformed per point and returned with the condition as a 1-column `context`.
 *
 * - `transform: 'rotate'`: an angle a uniform on [0, maxAngle] degrees (default 45) per point; the
 *   point is rotated counter-clockwise by a and, with `fitBox` (default true, as in the companion
 *   code), multiplied by 1/√2 so that a rotation of data in [-4, 4]^2 stays in [-4, 4]^2. The
 *   condition is a / maxAngle, in [0, 1].
 * - `transform: 'scale'`: a scale s = minScale + (1 - minScale) √U per point (minScale 0.5, U
 *   uniform; the companion code's draw); the point is multiplied by s. The condition is s, in
 *   [0.5, 1].
 *
 * With `condition` set, every point gets that condition (for evaluation, e.g. 0, 1/3, 2/3, 1).
 * The base points are drawn from their own stream of the seed, so the same seed gives the same
 * base points at every fixed condition: the data sets at two conditions are the same points moved.
 * The companion code draws whole degrees; the angle here is continuous. Labels are the base's.
 *
 * @example
 * ```ts
 * const rotated = new ConditionalDataset({ base: 'four-circles', transform: 'rotate' });
 * const { x, context } = rotated.sample(1000, { seed: 0 });                  // context: angle / 45
 * const at30 = new ConditionalDataset({ base: 'four-circles', transform: 'rotate', condition: 30 / 45 });
 * ```
 */
export class ConditionalDataset extends BaseDataset {
  readonly type = 'conditional';
  readonly dim = 2;
  override readonly contextDim = 1;
  override readonly numClasses: number;
  readonly base: Dataset;
  private readonly config: z.output<typeof schema>;

  constructor(config: ConditionalConfig, registry: Registry = defaultRegistry) {
    super();
    this.config = parseConfig("dataset 'conditional' config", schema, config);
    const { base, baseConfig } = this.config;
    if (base === 'conditional') {
      throw new ConfigError(
        `dataset 'conditional' config.base: expected an unconditional data set, got 'conditional'`,
      );
    }
    if (!registry.has('dataset', base)) {
      const known = registry
        .list('dataset')
        .map((p) => p.type)
        .join(', ');
      throw new ConfigError(
        `dataset 'conditional' config.base: unknown data set '${base}' (registered: ${known})`,
      );
    }
    this.base = registry.create<Dataset>({ kind: 'dataset', type: base, config: baseConfig });
    if (this.base.dim !== 2 || this.base.contextDim !== 0) {
      throw new ConfigError(
        `dataset 'conditional' config.base: expected a 2-D unconditional data set, got '${base}' with dim ${this.base.dim} and contextDim ${this.base.contextDim}`,
      );
    }
    this.numClasses = this.base.numClasses;
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const baseRng = rng.fork();
    const conditionRng = rng.fork();
    const drawn = this.base.sample(n, { seed: baseRng });
    const x = new Float32Array(2 * n);
    const context = new Float32Array(n);
    const c = this.config;
    for (let r = 0; r < n; r++) {
      const px = drawn.x[2 * r]!;
      const py = drawn.x[2 * r + 1]!;
      if (c.transform === 'rotate') {
        const condition = c.condition ?? conditionRng.uniform();
        const angle = (condition * c.maxAngle * Math.PI) / 180;
        const shrink = c.fitBox ? Math.SQRT1_2 : 1;
        const cos = Math.cos(angle);
        const sin = Math.sin(angle);
        x[2 * r] = shrink * (cos * px - sin * py);
        x[2 * r + 1] = shrink * (sin * px + cos * py);
        context[r] = condition;
      } else {
        const scale = c.condition ?? c.minScale + (1 - c.minScale) * Math.sqrt(conditionRng.uniform());
        x[2 * r] = scale * px;
        x[2 * r + 1] = scale * py;
        context[r] = scale;
      }
    }
    const out: DataArrays = { x, n, dim: 2, context, contextDim: 1 };
    if (drawn.labels !== undefined) out.labels = drawn.labels;
    return out;
  }

  getConfig(): JsonObject {
    const c = this.config;
    const out: JsonObject = { base: c.base, baseConfig: this.base.getConfig(), transform: c.transform };
    if (c.transform === 'rotate') {
      out.maxAngle = c.maxAngle;
      out.fitBox = c.fitBox;
    } else {
      out.minScale = c.minScale;
    }
    if (c.condition !== undefined) out.condition = c.condition;
    return out;
  }
}

/** The `dataset` plugin of {@link ConditionalDataset}: `create({ kind: 'dataset', type, config })` builds one. */
export const conditionalPlugin = definePlugin({
  kind: 'dataset',
  type: 'conditional',
  description: 'Flows-for-flows conditional 2-D data: any base set rotated (0-45°) or scaled (0.5-1)',
  schema,
  create: (config, ctx) => new ConditionalDataset(config, ctx.registry),
});
