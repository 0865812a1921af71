// Helpers shared by the mixtures-* experiments: the paper's component architectures as specs,
// clustering scores, formatting, and the figures of the paper (regions of the posterior's argmax
// with samples over them, and image grids of each component's samples).
import type { Bijector, JsonObject, Spec } from '@diffeo/core';
import { create } from '@diffeo/core';
import type { DataArrays } from '@diffeo/datasets';
import { mafSpec } from '@diffeo/distributions';
import {
  adjustedRandIndex,
  clusteringAccuracy,
  MixtureOfFlows,
  normalizedMutualInformation,
  type PosteriorConfig,
} from '@diffeo/mixtures';
import { CATEGORY_COLORS, type Figure, heatmap, imageGrid } from '@diffeo/plots';
import * as tf from '@tensorflow/tfjs-core';

const bijector = (type: string, config: JsonObject): JsonObject => ({ kind: 'bijector', type, config });

/**
 * The paper's RealNVP component: `blocks` affine coupling layers whose s and t come from an MLP
 * with one hidden layer of `hidden` units (half masks, reverse permutations in between). Written
 * as a spec because the `realNVP` builder's conditioners are residual nets.
 */
export function paperRealNVPSpec(dim: number, blocks: number, hidden: number, seed: number): Spec {
  const layers: JsonObject[] = [];
  for (let i = 0; i < blocks; i++) {
    if (i > 0) layers.push(bijector('permutation', { dim, permutation: 'reverse' }));
    layers.push(
      bijector('affine-coupling', {
        dim,
        mask: 'half',
        conditioner: { type: 'mlp', hiddenFeatures: hidden, numHiddenLayers: 1 },
        identityInit: true,
        seed: seed + i,
      }),
    );
  }
  return {
    kind: 'distribution',
    type: 'flow',
    config: {
      base: { kind: 'distribution', type: 'standard-normal', config: { dim } },
      bijector: bijector('chain', { bijectors: layers }),
    },
  };
}

/**
 * The paper's MAF component: `blocks` masked affine autoregressive layers whose MADE has one hidden
 * layer of `hidden` units (numBlocks 0: no residual blocks).
 */
export function paperMafSpec(dim: number, blocks: number, hidden: number, seed: number): Spec {
  return mafSpec({ dim, numTransforms: blocks, hiddenFeatures: hidden, numBlocks: 0, seed });
}

/**
 * A mixture of K components built from `specOf(k)`, with the given posterior network, and a shared
 * trunk built from `trunk` when given (the components are then the heads).
 */
export function buildMixture(
  k: number,
  specOf: (component: number) => Spec,
  posterior: PosteriorConfig,
  trunk?: Spec,
): MixtureOfFlows {
  const components = Array.from({ length: k }, (_, c) =>
    create<MixtureOfFlows['components'][number]>(specOf(c)),
  );
  return new MixtureOfFlows({
    components,
    posterior,
    ...(trunk === undefined ? {} : { trunk: create<Bijector>(trunk) }),
  });
}

/**
 * A shared trunk made of the layers of a component flow's spec (a `flow` whose bijector is a
 * `chain`), behind a reverse permutation so that the layers keep alternating from a head into the
 * trunk.
 */
export function trunkSpecOf(flow: Spec, dim: number): Spec {
  const chain = flow.config.bijector as { config: { bijectors: JsonObject[] } };
  return bijector('chain', {
    bijectors: [bijector('permutation', { dim, permutation: 'reverse' }), ...chain.config.bijectors],
  }) as unknown as Spec;
}

/** Trainable parameters of a model: the sizes of its trainable variables (masked weights included). */
export function trainableParameters(model: MixtureOfFlows): number {
  return model
    .namedVariables()
    .filter((v) => v.variable.trainable)
    .reduce((sum, v) => sum + v.variable.size, 0);
}

export type Scores = {
  accuracy: number;
  ari: number;
  nmi: number;
};

/** Clustering scores of predicted clusters against labels. */
export function scores(labels: ArrayLike<number>, clusters: ArrayLike<number>): Scores {
  return {
    accuracy: clusteringAccuracy(labels, clusters).accuracy,
    ari: adjustedRandIndex(labels, clusters),
    nmi: normalizedMutualInformation(labels, clusters),
  };
}

/** The posterior network's cluster of every row, read back. */
export function predictArray(model: MixtureOfFlows, x: tf.Tensor2D, batch = 2048): Int32Array {
  const n = x.shape[0];
  const out = new Int32Array(n);
  for (let start = 0; start < n; start += batch) {
    const size = Math.min(batch, n - start);
    const p = tf.tidy(() => model.predict(tf.slice(x, [start, 0], [size, -1]) as tf.Tensor2D));
    out.set(p.dataSync() as Int32Array, start);
    p.dispose();
  }
  return out;
}

/** Mean log p(x) (the exact mixture density) over rows, in batches. */
export function meanLogProb(model: MixtureOfFlows, x: tf.Tensor2D, batch = 512): number {
  const n = x.shape[0];
  let total = 0;
  for (let start = 0; start < n; start += batch) {
    const size = Math.min(batch, n - start);
    const s = tf.tidy(() => tf.sum(model.logProb(tf.slice(x, [start, 0], [size, -1]) as tf.Tensor2D)));
    total += s.dataSync()[0]!;
    s.dispose();
  }
  return total / n;
}

export const mean = (v: readonly number[]) => v.reduce((s, a) => s + a, 0) / v.length;
export const std = (v: readonly number[]) => {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((s, a) => s + (a - m) ** 2, 0) / (v.length - 1));
};
/** `mean ± std` over seeds (just the value for one seed). */
export const meanStd = (v: readonly number[], digits = 3) =>
  v.length < 2 ? v[0]!.toFixed(digits) : `${mean(v).toFixed(digits)} ± ${std(v).toFixed(digits)}`;

/** The rows of a data set as a `[n, dim]` tensor (labels stay in the arrays). */
export const xTensor = (data: DataArrays) => tf.tensor2d(data.x, [data.n, data.dim]);

/** Rows of a 2-D tensor as arrays. */
export const rows = (x: tf.Tensor2D) => x.arraySync() as number[][];

/**
 * The paper's Figures 6-8: samples of the model colored by the component that drew them, over
 * background regions where each component has the largest posterior probability (the point colors
 * are shifted from the region colors so that both stay visible, as in the paper).
 */
export function regionsFigure(
  model: MixtureOfFlows,
  options: { extent: [number, number, number, number]; samples: number; seed: number; title: string },
): Figure {
  const cells = 50;
  const [x0, x1, y0, y1] = options.extent;
  const grid: number[] = [];
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells; c++) {
      grid.push(x0 + ((c + 0.5) * (x1 - x0)) / cells, y0 + ((r + 0.5) * (y1 - y0)) / cells);
    }
  }
  const g = tf.tensor2d(grid, [cells * cells, 2]);
  const regions = Array.from(predictArray(model, g));
  g.dispose();
  const { x, components } = model.sample(options.samples, { seed: options.seed });
  const points = rows(x);
  x.dispose();
  const inside = points
    .map((p, i) => ({ p, k: components[i]! }))
    .filter(({ p }) => p[0]! >= x0 && p[0]! <= x1 && p[1]! >= y0 && p[1]! <= y1);
  return heatmap({
    values: regions,
    columns: cells,
    rows: cells,
    extent: options.extent,
    categorical: true,
    colorTitle: 'argmax q(z|x)',
    title: options.title,
    points: {
      points: inside.map(({ p }) => p),
      color: inside.map(({ k }) => CATEGORY_COLORS[(k + 5) % CATEGORY_COLORS.length]!),
      size: 5,
    },
  });
}

/** Samples of every component as rows of an image grid (the paper's Figure 9). */
export function componentSamplesFigure(
  model: MixtureOfFlows,
  options: {
    perComponent: number;
    side: number;
    seed: number;
    title: string;
    toPixels: (v: number) => number;
  },
): Figure {
  const images: number[][] = [];
  for (let k = 0; k < model.numComponents; k++) {
    const { x } = model.sample(options.perComponent, { seed: options.seed + k, component: k });
    for (const row of rows(x)) images.push(row.map(options.toPixels));
    x.dispose();
  }
  return imageGrid({
    images,
    width: options.side,
    height: options.side,
    columns: options.perComponent,
    title: options.title,
    scale: options.side <= 8 ? 6 : 2,
  });
}

/** A row-normalised contingency table as table rows, with the label in front. */
export function contingencyRows(table: number[][]): string[][] {
  return table.map((row, label) => [String(label), ...row.map((v) => v.toFixed(3))]);
}

/** An `onEpoch` callback that logs the loss every `every` epochs, with the elapsed time. */
export function epochLogger(log: (line: string) => void, label: string, total: number, every: number) {
  const start = performance.now();
  return ({ epoch, loss }: { epoch: number; loss: number }) => {
    if ((epoch + 1) % every === 0 || epoch + 1 === total) {
      const seconds = (performance.now() - start) / 1000;
      log(`${label}: epoch ${epoch + 1}/${total}, loss ${loss.toFixed(3)}, ${seconds.toFixed(0)} s`);
    }
  };
}
