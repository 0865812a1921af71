import { baseTransfer, meanTranslation, pairData } from '@diffeo/flows4flows';
import type { Figure } from '@diffeo/plots';
import * as tf from '@tensorflow/tfjs-core';
import type { Experiment, ExperimentTable } from '../types.js';
import {
  colorCoded,
  DATASET_NAMES,
  disposeTransform,
  meanSd,
  sampleTensors,
  type TrainingBudget,
  trainBase,
  trainFlowForFlow,
  trainL1Only,
} from './common.js';

/** Paper Table 1: mean translation distance, in the column order F4F, F4F + L1, base transfer, L1 only. */
const PAPER: Record<string, [number, number, number, number]> = {
  ring: [0.216, 0.002, 0.566, 0.001],
  'concentric-rings': [2.184, 0.003, 1.108, 0.001],
  'four-circles': [0.006, 0.003, 1.363, 0.001],
  checkerboard: [0.015, 0.003, 1.347, 0.001],
  spirals: [0.185, 0.003, 1.41, 0.002],
  star: [0.019, 0.002, 0.526, 0.001],
  'eight-star': [1.576, 0.43, 1.474, 0.001],
};

interface Setting {
  datasets: string[];
  inits: ('random' | 'identity')[];
  variants: ('f4f' | 'f4f+l1' | 'l1')[];
  trainRows: number;
  testRows: number;
  budget: TrainingBudget;
  seeds: number[];
}

const QUICK: Setting = {
  datasets: ['four-circles'],
  inits: ['identity'],
  variants: ['f4f+l1'],
  trainRows: 4096,
  testRows: 2000,
  budget: { baseSteps: 150, baseLearningRate: 3e-3, f4fSteps: 40, f4fLearningRate: 5e-4 },
  seeds: [0],
};

const FULL: Setting = {
  datasets: Object.keys(DATASET_NAMES),
  inits: ['random', 'identity'],
  variants: ['f4f', 'f4f+l1', 'l1'],
  trainRows: 20_000,
  testRows: 4000,
  budget: { baseSteps: 250, baseLearningRate: 5e-3, f4fSteps: 80, f4fLearningRate: 1e-3 },
  seeds: [0],
};

const COLUMN = { f4f: 'F4F', 'f4f+l1': 'F4F + L1', l1: 'L1 only' } as const;

export const f4fIdentity: Experiment = {
  name: 'f4f-identity',
  package: '@diffeo/flows4flows',
  reproduces: 'Flows for Flows (Klein, Raine, Golling 2022), Table 1: learning the identity',
  description:
    'two flows trained separately on the same 2-D distribution; mean translation distance of F4F, F4F + L1 (weight 1), the base transfer and L1 only, with f initialised randomly and as the exact identity',
  settings: {
    quick: `four circles, ${QUICK.trainRows} training rows per side, bases ${QUICK.budget.baseSteps} steps, F4F + L1 (identity init) ${QUICK.budget.f4fSteps} steps, seed 0`,
    full: `the 7 data sets, ${FULL.trainRows} training rows per side, ${FULL.testRows} test rows, bases ${FULL.budget.baseSteps} steps (lr ${FULL.budget.baseLearningRate}), every f ${FULL.budget.f4fSteps} steps (lr ${FULL.budget.f4fLearningRate}), batch 128, cosine to 0, clip 5, default seed 0`,
  },
  async run({ quick, seeds, progress }) {
    const s = quick ? QUICK : FULL;
    const runSeeds = seeds ?? s.seeds;
    progress.plan(runSeeds.length * s.datasets.length * (2 + s.inits.length * s.variants.length));
    const results: Record<string, Record<string, number[]>> = {};
    const figures: { name: string; figure: Figure }[] = [];
    for (const type of s.datasets) {
      const r: Record<string, number[]> = {};
      results[type] = r;
      const push = (key: string, v: number) => {
        r[key] ??= [];
        r[key]!.push(v);
      };
      for (const seed of runSeeds) {
        const left = sampleTensors(type, s.trainRows, 1000 * seed + 1);
        const right = sampleTensors(type, s.trainRows, 1000 * seed + 2);
        const test = sampleTensors(type, s.testRows, 1000 * seed + 3).x;
        progress.tick(`${type} seed ${seed}: left base`);
        const leftFlow = await trainBase(left, s.budget, 100 * seed + 11);
        progress.tick(`${type} seed ${seed}: right base`);
        const rightFlow = await trainBase(right, s.budget, 100 * seed + 12);
        const transfer = baseTransfer(leftFlow, rightFlow, test);
        push('transfer', meanTranslation(test, transfer));
        const images: { title: string; y: tf.Tensor2D }[] = [{ title: 'base transfer', y: transfer }];
        const paired = pairData(left, right);
        for (const init of s.inits) {
          for (const variant of s.variants) {
            progress.tick(`${type} seed ${seed}: ${COLUMN[variant]} (${init} init)`);
            const key = `${variant}:${init}`;
            if (variant === 'l1' && init === 'identity') {
              // f = identity exactly and the L1 loss is 0 with zero gradient there: nothing to train.
              push(key, 0);
              continue;
            }
            if (variant === 'l1') {
              const f = await trainL1Only(left.x, s.budget, init, 100 * seed + 13);
              const { y, logDet } = f.forward(test);
              push(key, meanTranslation(test, y));
              tf.dispose([y, logDet]);
              f.dispose();
              continue;
            }
            const model = await trainFlowForFlow(
              { left: leftFlow, right: rightFlow, init },
              paired,
              s.budget,
              100 * seed + 13,
              variant === 'f4f+l1' ? { type: 'l1', weight: 1 } : undefined,
            );
            const y = model.transport(test);
            push(key, meanTranslation(test, y));
            if (seed === runSeeds[0] && init === s.inits[s.inits.length - 1]) {
              images.push({ title: `${COLUMN[variant]} (${init} init)`, y });
            } else {
              y.dispose();
            }
            disposeTransform(model);
          }
        }
        if (seed === runSeeds[0]) {
          figures.push({
            name: `f4f-identity-${type}`,
            figure: colorCoded(test, images, `${DATASET_NAMES[type]}: input and images`),
          });
        }
        tf.dispose([left.x, right.x, test, paired.x, ...images.map((i) => i.y)]);
        leftFlow.dispose();
        rightFlow.dispose();
      }
    }
    const header = [
      '2D dataset',
      ...s.inits.flatMap((init) => s.variants.map((v) => `${COLUMN[v]} (${init})`)),
      'base transfer',
      'paper F4F',
      'paper F4F + L1',
      'paper base transfer',
      'paper L1 only',
    ];
    const table: ExperimentTable = {
      title: 'Mean translation distance (Table 1), mean ± sd over seeds',
      header,
      rows: s.datasets.map((type) => [
        DATASET_NAMES[type]!,
        ...s.inits.flatMap((init) => s.variants.map((v) => meanSd(results[type]![`${v}:${init}`]!))),
        meanSd(results[type]!.transfer!),
        ...PAPER[type]!.map((v) => v.toFixed(3)),
      ]),
      notes: [
        `Seeds ${runSeeds.join(', ')}; every seed run is in the JSON. The paper's columns are its Table 1 (random initialisation; 10^6 points, 10 + 20 epochs).`,
      ],
    };
    const findings: string[] = [];
    for (const type of s.datasets) {
      const l1 = results[type]![`f4f+l1:${s.inits[s.inits.length - 1]}`];
      const tr = results[type]!.transfer!;
      if (l1 !== undefined) {
        findings.push(
          `${DATASET_NAMES[type]}: F4F + L1 (${s.inits[s.inits.length - 1]} init) moves points by ${meanSd(l1)} on average, the base transfer by ${meanSd(tr)}`,
        );
      }
    }
    return { tables: [table], figures, data: { setting: s as unknown as never, results }, findings };
  },
};
