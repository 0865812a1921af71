import { type HiddenDegrees, hiddenDegreesSchema } from '@diffeo/bijectors';
import {
  ConfigError,
  defaultRegistry,
  type JsonObject,
  parseConfig,
  type Registry,
  type Spec,
  seedSchema,
} from '@diffeo/core';
import { z } from 'zod';
import { embeddingSchema, type Flow } from './flow.js';
import { registerDistributions } from './plugins.js';

// The builders create through the default registry: make sure it has this package's plugins even
// when this module is imported on its own (registration is idempotent).
registerDistributions();

const specSchema = z.strictObject({
  kind: z.literal('distribution'),
  type: z.string().min(1),
  config: z.record(z.string(), z.json()).default({}),
});

/** The options every ready-made architecture takes, with their defaults. */
const architectureFields = {
  dim: z.number().int().positive(),
  /** Width of the context for a conditional flow. */
  contextDim: z.number().int().nonnegative().default(0),
  /** Transform layers (default: see each builder). */
  numTransforms: z.number().int().positive().optional(),
  /** Hidden width of the conditioner networks. */
  hiddenFeatures: z.number().int().positive().default(64),
  /** Residual blocks per conditioner network (0: plain masked layers in the autoregressive builders). */
  numBlocks: z.number().int().nonnegative().default(2),
  /** An MLP embedding of the context. */
  embedding: embeddingSchema.optional(),
  /** The base distribution (default a standard normal on `dim`). */
  base: specSchema.optional(),
  /** Seeds every layer (layer i uses seed + i). */
  seed: seedSchema.default(0),
};

const architectureSchema = z.strictObject(architectureFields);

const autoregressiveFields = {
  /**
   * How the MADEs' hidden units get their degrees (@diffeo/bijectors's `hiddenDegreesSchema`):
   * 'sequential' (the default) as nflows, or 'sorted', the same network with its hidden units in
   * degree order, which the wasm kernels run faster from about 10 dimensions.
   */
  hiddenDegrees: hiddenDegreesSchema.optional(),
};

/** The layers' `hiddenDegrees`, when the options name one (a spec without it is 'sequential'). */
const degreesOf = (o: { hiddenDegrees?: HiddenDegrees | undefined }): JsonObject =>
  o.hiddenDegrees === undefined ? {} : { hiddenDegrees: o.hiddenDegrees };

const mafSchema = z.strictObject({ ...architectureFields, ...autoregressiveFields });

const nsfSchema = z.strictObject({
  ...architectureFields,
  /** Autoregressive NSF only (a coupling NSF has no MADE). */
  ...autoregressiveFields,
  /** Autoregressive (MADE-conditioned, fast density) or coupling (fast both ways) splines. */
  kind: z.enum(['autoregressive', 'coupling']).default('autoregressive'),
  /** Spline bins K. */
  numBins: z.number().int().positive().default(8),
  /** The spline acts on [-B, B] and is the identity outside. */
  tailBound: z.number().positive().finite().default(3),
});

const flowsForFlowsSchema = architectureSchema.pick({
  dim: true,
  contextDim: true,
  embedding: true,
  base: true,
  seed: true,
});

/** What {@link flowsForFlowsNSF} takes: the paper fixes the rest. */
export type FlowsForFlowsNSFOptions = z.input<typeof flowsForFlowsSchema>;

/** What every ready-made architecture takes; see each builder for its defaults. */
export type ArchitectureOptions = z.input<typeof architectureSchema>;

/** What {@link maf} takes: the architecture's options and the MADEs' degrees. */
export type MAFOptions = z.input<typeof mafSchema>;

/** What {@link nsf} takes: the architecture's options and the spline's. */
export type NSFOptions = z.input<typeof nsfSchema>;

type Parsed = z.output<typeof architectureSchema>;

const bijector = (type: string, config: JsonObject): JsonObject => ({ kind: 'bijector', type, config });

function flowSpec(options: Parsed, layers: JsonObject[]): Spec {
  const { dim, contextDim, embedding, base } = options;
  // Reverse permutations between transform layers so every dimension gets conditioned on the others.
  const withPermutations = layers.flatMap((layer, i) =>
    i < layers.length - 1 ? [layer, bijector('permutation', { dim, permutation: 'reverse' })] : [layer],
  );
  return {
    kind: 'distribution',
    type: 'flow',
    config: {
      base: (base ?? {
        kind: 'distribution',
        type: 'standard-normal',
        config: { dim },
      }) as unknown as JsonObject,
      bijector: bijector('chain', { bijectors: withPermutations }),
      contextDim,
      ...(embedding === undefined ? {} : { embedding: { ...embedding } as JsonObject }),
    },
  };
}

/** The conditioners' context width: the embedding's when there is one. */
function innerContext(options: Parsed): number {
  return options.embedding?.outFeatures ?? options.contextDim;
}

function layerSeeds(options: Parsed, defaultLayers: number): number[] {
  return Array.from({ length: options.numTransforms ?? defaultLayers }, (_, i) => options.seed + i);
}

/**
 * The spec of a RealNVP flow (Dinh et al. 2017): affine coupling layers with residual-net
 * conditioners, half masks, reverse permutations in between. Defaults: 8 layers, hidden 64,
 * 2 blocks.
 *
 * @example
 * ```ts
 * import { create } from '@diffeo/core';
 * import { type Flow, realNVPSpec } from '@diffeo/distributions';
 *
 * const spec = realNVPSpec({ dim: 2, numTransforms: 4, seed: 0 }); // plain JSON: store it, edit it, send it
 * const flow = create<Flow>(spec);
 * ```
 */
export function realNVPSpec(options: ArchitectureOptions): Spec {
  const o = parseConfig('realNVP options', architectureSchema, options);
  const layers = layerSeeds(o, 8).map((seed) =>
    bijector('affine-coupling', {
      dim: o.dim,
      contextDim: innerContext(o),
      mask: 'half',
      conditioner: {
        type: 'residual',
        hiddenFeatures: o.hiddenFeatures,
        numBlocks: o.numBlocks,
      },
      identityInit: true,
      seed,
    }),
  );
  return flowSpec(o, layers);
}

/**
 * The spec of a masked autoregressive flow (MAF, Papamakarios et al. 2017): masked affine
 * autoregressive layers with residual MADEs and reverse permutations in between. Density
 * evaluation is one pass per layer, sampling `dim` passes. Defaults: 5 layers, hidden 64, 2 blocks.
 *
 * @example
 * ```ts
 * import { create } from '@diffeo/core';
 * import { type Flow, mafSpec } from '@diffeo/distributions';
 *
 * const spec = mafSpec({ dim: 3, contextDim: 1, hiddenFeatures: 32, seed: 0 });
 * const flow = create<Flow>(spec); // a conditional MAF: flow.logProb(x, context)
 * ```
 */
export function mafSpec(options: MAFOptions): Spec {
  const o = parseConfig('maf options', mafSchema, options);
  const layers = layerSeeds(o, 5).map((seed) =>
    bijector('masked-affine-autoregressive', {
      dim: o.dim,
      contextDim: innerContext(o),
      hiddenFeatures: o.hiddenFeatures,
      numBlocks: o.numBlocks,
      ...degreesOf(o),
      // exp(tanh) scale: exactly 1 at a zero MADE output, so the flow starts as its base
      scale: 'exp-tanh',
      identityInit: true,
      seed,
    }),
  );
  return flowSpec(o, layers);
}

/**
 * The spec of a neural spline flow (Durkan et al. 2019): rational-quadratic spline layers with
 * linear tails, autoregressive (default) or coupling, reverse permutations in between. Defaults:
 * 5 layers, hidden 64, 2 blocks, 8 bins, tail bound 3.
 *
 * @example
 * ```ts
 * import { create } from '@diffeo/core';
 * import { type Flow, nsfSpec } from '@diffeo/distributions';
 *
 * const spec = nsfSpec({ dim: 2, kind: 'coupling', numBins: 10, tailBound: 5, seed: 0 });
 * const flow = create<Flow>(JSON.parse(JSON.stringify(spec))); // a spec survives a JSON round trip
 * ```
 */
export function nsfSpec(options: NSFOptions): Spec {
  const o = parseConfig('nsf options', nsfSchema, options);
  if (o.kind === 'coupling' && o.hiddenDegrees !== undefined) {
    throw new ConfigError(
      "nsf options: hiddenDegrees is an option of kind 'autoregressive' (MADE conditioners); a coupling NSF has none",
    );
  }
  const shared = {
    dim: o.dim,
    contextDim: innerContext(o),
    numBins: o.numBins,
    tailBound: o.tailBound,
    identityInit: true,
  };
  const { hiddenFeatures, numBlocks } = o;
  const layers = layerSeeds(o, 5).map((seed) =>
    o.kind === 'autoregressive'
      ? bijector('masked-rq-autoregressive', {
          ...shared,
          hiddenFeatures,
          numBlocks,
          ...degreesOf(o),
          seed,
        })
      : bijector('rq-coupling', {
          ...shared,
          mask: 'half',
          conditioner: { type: 'residual', hiddenFeatures, numBlocks },
          seed,
        }),
  );
  return flowSpec(o, layers);
}

/**
 * The setting of the flows-for-flows paper (Klein, Raine, Golling 2022) for every flow it trains:
 * 4 MADE rational-quadratic layers, 8 bins, 2 residual blocks of 128 units, reverse permutations
 * between layers, linear tails with tail bound 4.
 *
 * @example
 * ```ts
 * import { create } from '@diffeo/core';
 * import { type Flow, flowsForFlowsNSFSpec } from '@diffeo/distributions';
 *
 * const spec = flowsForFlowsNSFSpec({ dim: 2, contextDim: 1, seed: 3 }); // the paper's conditional base flow
 * const base = create<Flow>(spec);
 * ```
 */
export function flowsForFlowsNSFSpec(options: FlowsForFlowsNSFOptions): Spec {
  return nsfSpec({
    ...parseConfig('flowsForFlowsNSF options', flowsForFlowsSchema, options),
    kind: 'autoregressive',
    numTransforms: 4,
    numBins: 8,
    hiddenFeatures: 128,
    numBlocks: 2,
    tailBound: 4,
  });
}

/**
 * A RealNVP flow; see {@link realNVPSpec}.
 *
 * @example
 * ```ts
 * const flow = realNVP({ dim: 2, seed: 0 });
 * await fit(flow, data, { steps: 1000, batchSize: 256 });
 * ```
 */
export function realNVP(options: ArchitectureOptions, registry: Registry = defaultRegistry): Flow {
  return registry.create<Flow>(realNVPSpec(options));
}

/**
 * A masked autoregressive flow; see {@link mafSpec}.
 *
 * @example
 * ```ts
 * const flow = maf({ dim: 2, seed: 0 });
 * const logp = flow.logProb(x); // [batch]
 * ```
 */
export function maf(options: MAFOptions, registry: Registry = defaultRegistry): Flow {
  return registry.create<Flow>(mafSpec(options));
}

/**
 * A neural spline flow; see {@link nsfSpec}.
 *
 * @example
 * ```ts
 * const flow = nsf({ dim: 2, kind: 'coupling', numTransforms: 4, hiddenFeatures: 64, seed: 0 });
 * await fit(flow, x, { steps: 2000, learningRate: 1e-3, schedule: 'cosine' });
 * ```
 */
export function nsf(options: NSFOptions, registry: Registry = defaultRegistry): Flow {
  return registry.create<Flow>(nsfSpec(options));
}

/**
 * The flows-for-flows paper's NSF; see {@link flowsForFlowsNSFSpec}.
 *
 * @example
 * ```ts
 * const flow = flowsForFlowsNSF({ dim: 2, seed: 0 }); // 4 autoregressive RQ-spline layers, 8 bins
 * ```
 */
export function flowsForFlowsNSF(
  options: FlowsForFlowsNSFOptions,
  registry: Registry = defaultRegistry,
): Flow {
  return registry.create<Flow>(flowsForFlowsNSFSpec(options));
}
