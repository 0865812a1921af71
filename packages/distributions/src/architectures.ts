import { defaultRegistry, type JsonObject, type Registry, type Spec } from '@diffeo/core';
import type { EmbeddingConfig, Flow } from './flow.js';
import { registerDistributions } from './plugins.js';

// The builders create through the default registry: make sure it has this package's plugins even
// when this module is imported on its own (registration is idempotent).
registerDistributions();

/** What every ready-made architecture takes. */
export interface ArchitectureOptions {
  dim: number;
  /** Width of the context for a conditional flow (default 0). */
  contextDim?: number;
  /** Transform layers (default: see each builder). */
  numLayers?: number;
  /** Hidden width of the conditioner networks. */
  hiddenFeatures?: number;
  /** Residual blocks per conditioner network. */
  numBlocks?: number;
  /** An MLP embedding of the context. */
  embedding?: EmbeddingConfig;
  /** The base distribution (default a standard normal on `dim`). */
  base?: Spec;
  /** Seeds every layer (layer i uses seed + i). */
  seed?: number;
}

export interface NsfOptions extends ArchitectureOptions {
  /** Autoregressive (MADE-conditioned, fast density) or coupling (fast both ways) splines. */
  kind?: 'autoregressive' | 'coupling';
  /** Spline bins K (default 8). */
  numBins?: number;
  /** The spline acts on [-B, B] and is the identity outside (default 3). */
  tailBound?: number;
}

const bijector = (type: string, config: JsonObject): JsonObject => ({ kind: 'bijector', type, config });

function flowSpec(options: ArchitectureOptions, layers: JsonObject[]): Spec {
  const { dim, contextDim = 0, embedding, base } = options;
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
function innerContext(options: ArchitectureOptions): number {
  return options.embedding?.features ?? options.contextDim ?? 0;
}

function layerSeeds(options: ArchitectureOptions, defaultLayers: number): number[] {
  const seed = options.seed ?? 0;
  return Array.from({ length: options.numLayers ?? defaultLayers }, (_, i) => seed + i);
}

/**
 * The spec of a RealNVP flow (Dinh et al. 2017): affine coupling layers with residual-net
 * conditioners, half masks, reverse permutations in between. Defaults: 8 layers, hidden 64,
 * 2 blocks.
 */
export function realNVPSpec(options: ArchitectureOptions): Spec {
  const layers = layerSeeds(options, 8).map((seed) =>
    bijector('affine-coupling', {
      dim: options.dim,
      contextDim: innerContext(options),
      mask: 'half',
      conditioner: {
        type: 'residual',
        hiddenFeatures: options.hiddenFeatures ?? 64,
        numBlocks: options.numBlocks ?? 2,
      },
      identityInit: true,
      seed,
    }),
  );
  return flowSpec(options, layers);
}

/**
 * The spec of a masked autoregressive flow (MAF, Papamakarios et al. 2017): masked affine
 * autoregressive layers with residual MADEs and reverse permutations in between. Density
 * evaluation is one pass per layer, sampling `dim` passes. Defaults: 5 layers, hidden 64, 2 blocks.
 */
export function mafSpec(options: ArchitectureOptions): Spec {
  const layers = layerSeeds(options, 5).map((seed) =>
    bijector('masked-affine-autoregressive', {
      dim: options.dim,
      contextDim: innerContext(options),
      hiddenFeatures: options.hiddenFeatures ?? 64,
      numBlocks: options.numBlocks ?? 2,
      // exp(tanh) scale: exactly 1 at a zero MADE output, so the flow starts as its base
      scale: 'exp-tanh',
      identityInit: true,
      seed,
    }),
  );
  return flowSpec(options, layers);
}

/**
 * The spec of a neural spline flow (Durkan et al. 2019): rational-quadratic spline layers with
 * linear tails, autoregressive (default) or coupling, reverse permutations in between. Defaults:
 * 5 layers, hidden 64, 2 blocks, 8 bins, tail bound 3.
 */
export function nsfSpec(options: NsfOptions): Spec {
  const kind = options.kind ?? 'autoregressive';
  const shared = {
    dim: options.dim,
    contextDim: innerContext(options),
    numBins: options.numBins ?? 8,
    tailBound: options.tailBound ?? 3,
    identityInit: true,
  };
  const hiddenFeatures = options.hiddenFeatures ?? 64;
  const numBlocks = options.numBlocks ?? 2;
  const layers = layerSeeds(options, 5).map((seed) =>
    kind === 'autoregressive'
      ? bijector('masked-rq-autoregressive', { ...shared, hiddenFeatures, numBlocks, seed })
      : bijector('rq-coupling', {
          ...shared,
          mask: 'half',
          conditioner: { type: 'residual', hiddenFeatures, numBlocks },
          seed,
        }),
  );
  return flowSpec(options, layers);
}

/**
 * The setting of the flows-for-flows paper (Klein, Raine, Golling 2022) for every flow it trains:
 * 4 MADE rational-quadratic layers, 8 bins, 2 residual blocks of 128 units, reverse permutations
 * between layers, linear tails with tail bound 4.
 */
export function flowsForFlowsNSFSpec(
  options: Pick<ArchitectureOptions, 'dim' | 'contextDim' | 'embedding' | 'base' | 'seed'>,
): Spec {
  return nsfSpec({
    ...options,
    kind: 'autoregressive',
    numLayers: 4,
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
export function maf(options: ArchitectureOptions, registry: Registry = defaultRegistry): Flow {
  return registry.create<Flow>(mafSpec(options));
}

/**
 * A neural spline flow; see {@link nsfSpec}.
 *
 * @example
 * ```ts
 * const flow = nsf({ dim: 2, kind: 'coupling', numLayers: 4, hiddenFeatures: 64, seed: 0 });
 * await fit(flow, x, { steps: 2000, learningRate: 1e-3, schedule: 'cosine' });
 * ```
 */
export function nsf(options: NsfOptions, registry: Registry = defaultRegistry): Flow {
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
  options: Parameters<typeof flowsForFlowsNSFSpec>[0],
  registry: Registry = defaultRegistry,
): Flow {
  return registry.create<Flow>(flowsForFlowsNSFSpec(options));
}
