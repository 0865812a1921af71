// Weight sharing between the components (the paper's section 5.2 proposal): every component is one
// shared trunk after its own head flow. Independent components against a shared trunk at the same
// per-component depth (fewer weights) and at the same number of weights (deeper components), on
// the pinwheel and on the 8x8 digits 0-4.
import type { Spec } from '@diffeo/core';
import { type DataArrays, Digits, Pinwheel, splitData } from '@diffeo/datasets';
import { trainMixture } from '@diffeo/mixtures';
import { panels, scatter } from '@diffeo/plots';
import type * as tf from '@tensorflow/tfjs-core';
import type { Experiment, ExperimentProgress, ExperimentResult, ExperimentTable } from '../types.js';
import {
  buildMixture,
  mean,
  meanLogProb,
  meanStd,
  paperMafSpec,
  paperRealNVPSpec,
  predictArray,
  rows,
  type Scores,
  scores,
  std,
  trainableParameters,
  trunkSpecOf,
  xTensor,
} from './shared.js';

const K = 5;
const LOGIT_ALPHA = 0.05;

export type VariantId = 'independent' | 'shared-depth' | 'shared-params';

/** Blocks of the shared trunk and of each head. */
interface Arch {
  trunk: number;
  heads: number;
}

/**
 * The three models for components of `blocks` blocks: independent components; a trunk of half the
 * blocks with heads of the rest (each component as deep as before, fewer weights); a trunk of K
 * blocks with heads of `blocks - 1` (K + K (blocks - 1) = K blocks: the same weights, deeper
 * components).
 */
export function variantArchs(blocks: number): Record<VariantId, Arch> {
  const half = Math.floor(blocks / 2);
  return {
    independent: { trunk: 0, heads: blocks },
    'shared-depth': { trunk: half, heads: blocks - half },
    'shared-params': { trunk: K, heads: blocks - 1 },
  };
}

const VARIANT_LABELS: Record<VariantId, string> = {
  independent: 'independent components',
  'shared-depth': 'shared trunk, same depth per component',
  'shared-params': 'shared trunk, same number of weights',
};
const VARIANTS = Object.keys(VARIANT_LABELS) as VariantId[];

interface DataSetting {
  /** Rows used; pinwheel: training rows (2560 held-out rows are drawn besides); digits: train + test. */
  n?: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Blocks of an independent component. */
  blocks: number;
  /** Hidden units of a coupling MLP (pinwheel) or of a MADE (digits). */
  hidden: number;
  posteriorHidden: number;
  seeds: number[];
}

const SETTINGS: Record<'quick' | 'full', { pinwheel: DataSetting; digits: DataSetting }> = {
  quick: {
    pinwheel: {
      n: 1024,
      epochs: 30,
      batchSize: 128,
      learningRate: 3e-3,
      blocks: 4,
      hidden: 8,
      posteriorHidden: 3,
      seeds: [0],
    },
    digits: {
      n: 300,
      epochs: 8,
      batchSize: 50,
      learningRate: 1e-3,
      blocks: 2,
      hidden: 32,
      posteriorHidden: 64,
      seeds: [0],
    },
  },
  full: {
    pinwheel: {
      n: 2560,
      epochs: 80,
      batchSize: 256,
      learningRate: 3e-3,
      blocks: 8,
      hidden: 8,
      posteriorHidden: 3,
      seeds: [0, 1, 2],
    },
    digits: {
      epochs: 30,
      batchSize: 100,
      learningRate: 1e-3,
      blocks: 4,
      hidden: 64,
      posteriorHidden: 128,
      seeds: [0, 1, 2, 3],
    },
  },
};

const describeSetting = (s: DataSetting, what: string) =>
  `${s.n === undefined ? 'all' : s.n} ${what}, ${s.epochs} epochs of batch ${s.batchSize}, Adam ${s.learningRate}, components of ${s.blocks} blocks (hidden ${s.hidden}), posterior hidden ${s.posteriorHidden}; seeds ${s.seeds.join(', ')}`;

export interface SharingRun extends Scores {
  dataset: 'pinwheel' | 'digits';
  variant: VariantId;
  seed: number;
  trunkBlocks: number;
  headBlocks: number;
  parameters: number;
  /** Pinwheel: mean held-out log p(x) in nats; digits: in nats per image on the grey levels. */
  testLogProb: number;
  /** Digits only: held-out bits per dimension on the grey levels. */
  bitsPerDim?: number;
  seconds: number;
}

interface Split {
  train: DataArrays;
  test: DataArrays;
  /** Added to the mean held-out log p(x) (digits: the Jacobian to the grey levels). */
  logProbOffset: number;
}

interface DataPlan {
  dataset: 'pinwheel' | 'digits';
  setting: DataSetting;
  split(seed: number): Split;
  component(blocks: number, seed: number, dim: number): Spec;
}

async function runVariant(
  plan: DataPlan,
  variant: VariantId,
  seed: number,
  data: Split,
  progress: ExperimentProgress,
  onModel?: (model: ReturnType<typeof buildMixture>) => void,
): Promise<SharingRun> {
  const s = plan.setting;
  const dim = data.train.dim;
  const arch = variantArchs(s.blocks)[variant];
  const model = buildMixture(
    K,
    (k) => plan.component(arch.heads, 100 * seed + 10 * k, dim),
    { hiddenFeatures: s.posteriorHidden, numHiddenLayers: 1, seed },
    arch.trunk === 0 ? undefined : trunkSpecOf(plan.component(arch.trunk, 100 * seed + 70, dim), dim),
  );
  const xTrain = xTensor(data.train);
  const xTest = xTensor(data.test);
  try {
    const start = performance.now();
    await trainMixture(model, xTrain, {
      epochs: s.epochs,
      batchSize: s.batchSize,
      learningRate: s.learningRate,
      seed,
    });
    const seconds = (performance.now() - start) / 1000;
    const testScores = scores(data.test.labels!, predictArray(model, xTest));
    const testLogProb = meanLogProb(model, xTest) + data.logProbOffset;
    const run: SharingRun = {
      dataset: plan.dataset,
      variant,
      seed,
      trunkBlocks: arch.trunk,
      headBlocks: arch.heads,
      parameters: trainableParameters(model),
      ...testScores,
      testLogProb,
      ...(plan.dataset === 'digits' ? { bitsPerDim: -testLogProb / (dim * Math.LN2) } : {}),
      seconds,
    };
    progress.log(
      `${plan.dataset} ${variant} seed ${seed}: accuracy ${run.accuracy.toFixed(3)}, NMI ${run.nmi.toFixed(3)}, log p ${testLogProb.toFixed(3)}, ${run.parameters} weights (${seconds.toFixed(0)} s)`,
    );
    onModel?.(model);
    return run;
  } finally {
    model.dispose();
    xTrain.dispose();
    xTest.dispose();
  }
}

function pinwheelPlan(s: DataSetting): DataPlan {
  const dataset = new Pinwheel();
  return {
    dataset: 'pinwheel',
    setting: s,
    split: (seed) => ({
      train: dataset.sample(s.n!, { seed: 1000 + seed }),
      test: dataset.sample(2560, { seed: 2000 + seed }),
      logProbOffset: 0,
    }),
    component: (blocks, seed, dim) => paperRealNVPSpec(dim, blocks, s.hidden, seed),
  };
}

function digitsPlan(s: DataSetting): DataPlan {
  const dataset = new Digits({ digits: [0, 1, 2, 3, 4], logitAlpha: LOGIT_ALPHA });
  return {
    dataset: 'digits',
    setting: s,
    split: (seed) => {
      const all = dataset.sample(s.n ?? dataset.size, { seed });
      const { train, test } = splitData(all, { train: 0.9, validation: 0, test: 0.1, seed });
      const jacobian = dataset.logDetJacobian(test);
      return { train, test, logProbOffset: jacobian.reduce((a, b) => a + b, 0) / test.n };
    },
    component: (blocks, seed, dim) => paperMafSpec(dim, blocks, s.hidden, seed),
  };
}

/** Mean ± std of a column of runs, and the paired difference to the independent components. */
function summary(runs: SharingRun[], variant: VariantId, key: keyof Scores | 'testLogProb' | 'bitsPerDim') {
  const of = (v: VariantId) =>
    runs
      .filter((r) => r.variant === v)
      .sort((a, b) => a.seed - b.seed)
      .map((r) => r[key] as number);
  const values = of(variant);
  const base = of('independent');
  const diffs = values.map((v, i) => v - base[i]!);
  return { values, mean: mean(values), diffMean: mean(diffs), diffStd: std(diffs) };
}

function table(title: string, runs: SharingRun[], digits: boolean): ExperimentTable {
  const seeds = new Set(runs.map((r) => r.seed)).size;
  const header = [
    'model',
    'trunk + head blocks',
    'weights',
    'accuracy',
    'ARI',
    'NMI',
    digits ? 'held-out bits/dim' : 'held-out log p(x), nats',
    'training s',
  ];
  return {
    title: `${title} (${seeds} seed${seeds > 1 ? 's' : ''}, mean ± std, held-out points)`,
    header,
    rows: VARIANTS.map((v) => {
      const of = runs.filter((r) => r.variant === v);
      const r0 = of[0]!;
      return [
        VARIANT_LABELS[v],
        `${r0.trunkBlocks} + ${r0.headBlocks}`,
        String(r0.parameters),
        meanStd(of.map((r) => r.accuracy)),
        meanStd(of.map((r) => r.ari)),
        meanStd(of.map((r) => r.nmi)),
        meanStd(of.map((r) => (digits ? r.bitsPerDim! : r.testLogProb))),
        meanStd(
          of.map((r) => r.seconds),
          0,
        ),
      ];
    }),
    notes: [
      'Weights: trainable variables of the whole model (components, trunk, posterior network; masked MADE entries included).',
      'Accuracy under the best one-to-one matching of clusters to classes; clusters are argmax q(z|x) at temperature 1.',
    ],
  };
}

function finding(name: string, runs: SharingRun[], digits: boolean): string {
  const parts = (['shared-depth', 'shared-params'] as const).map((v) => {
    const acc = summary(runs, v, 'accuracy');
    const nmi = summary(runs, v, 'nmi');
    const ll = summary(runs, v, digits ? 'bitsPerDim' : 'testLogProb');
    const sign = (x: number) => (x >= 0 ? '+' : '');
    return `${VARIANT_LABELS[v]}: accuracy ${sign(acc.diffMean)}${acc.diffMean.toFixed(3)} ± ${acc.diffStd.toFixed(3)}, NMI ${sign(nmi.diffMean)}${nmi.diffMean.toFixed(3)} ± ${nmi.diffStd.toFixed(3)}, ${digits ? 'bits/dim' : 'log p(x)'} ${sign(ll.diffMean)}${ll.diffMean.toFixed(3)} ± ${ll.diffStd.toFixed(3)}`;
  });
  return `${name}, paired differences to independent components over seeds (mean ± std): ${parts.join('; ')}.`;
}

/** Weight sharing between components on the pinwheel and the 8x8 digits: does a shared trunk help? */
export const mixturesSharing: Experiment = {
  name: 'mixtures-sharing',
  package: '@diffeo/mixtures',
  reproduces:
    "Pires and Figueiredo, section 5.2 (future work: weight sharing between components), on section 4's pinwheel and digits",
  description:
    'Independent components against a shared trunk (same depth per component, or the same number of weights) on the pinwheel and the 8x8 digits 0-4: clustering, held-out likelihood, weights, time',
  settings: {
    quick: `pinwheel: ${describeSetting(SETTINGS.quick.pinwheel, 'points')}; digits: ${describeSetting(SETTINGS.quick.digits, 'images')}`,
    full: `pinwheel: ${describeSetting(SETTINGS.full.pinwheel, 'points')}, scored on 2560 held-out points; digits 0-4: ${describeSetting(SETTINGS.full.digits, 'images')}, 90% train and 10% test`,
  },
  async run({ quick, seeds, progress }): Promise<ExperimentResult> {
    const setting = quick ? SETTINGS.quick : SETTINGS.full;
    const plans = [pinwheelPlan(setting.pinwheel), digitsPlan(setting.digits)];
    const seedsOf = (plan: DataPlan) => seeds ?? plan.setting.seeds;
    progress.plan(plans.reduce((n, p) => n + seedsOf(p).length * VARIANTS.length, 0));
    const runs: SharingRun[] = [];
    const samplePanels: ExperimentResult['figures'][number]['figure'][] = [];
    for (const plan of plans) {
      for (const seed of seedsOf(plan)) {
        const data = plan.split(seed);
        for (const variant of VARIANTS) {
          progress.tick(`${plan.dataset} ${variant} seed ${seed}`);
          const drawPanel =
            plan.dataset === 'pinwheel' && seed === seedsOf(plan)[0]
              ? (model: ReturnType<typeof buildMixture>) => {
                  const { x, components } = model.sample(300, { seed: 7 });
                  const points = rows(x as tf.Tensor2D);
                  x.dispose();
                  samplePanels.push(
                    scatter({
                      points: points.map((p) => p.map((v) => Math.round(v * 100) / 100)),
                      color: Array.from(components),
                      colorTitle: 'component',
                      title: VARIANT_LABELS[variant],
                      xDomain: [-2.2, 2.2],
                      yDomain: [-2.2, 2.2],
                      size: 5,
                      width: 200,
                      height: 200,
                    }),
                  );
                }
              : undefined;
          runs.push(await runVariant(plan, variant, seed, data, progress, drawPanel));
        }
      }
    }
    const pinwheel = runs.filter((r) => r.dataset === 'pinwheel');
    const digits = runs.filter((r) => r.dataset === 'digits');
    return {
      tables: [
        table('Pinwheel, 5 RealNVP components', pinwheel, false),
        table('8x8 digits 0-4, 5 MAF components', digits, true),
      ],
      figures: [
        {
          name: 'mixtures-sharing',
          figure: panels(samplePanels, {
            title: `Pinwheel: samples by component (seed ${seedsOf(plans[0]!)[0]})`,
          }),
        },
      ],
      data: {
        setting: quick ? 'quick' : 'full',
        settings: JSON.parse(JSON.stringify(setting)),
        runs: JSON.parse(JSON.stringify(runs)),
      },
      findings: [finding('Pinwheel', pinwheel, false), finding('Digits', digits, true)],
    };
  },
};
