import type { Distribution } from '@diffeo/core';
import { baseTransfer, meanTranslation, outOfDistributionFraction, pairData } from '@diffeo/flows4flows';
import type { Figure } from '@diffeo/plots';
import * as tf from '@tensorflow/tfjs-core';
import type { Experiment, ExperimentTable } from '../types.js';
import {
  colorCoded,
  disposeTransform,
  meanSd,
  sampleTensors,
  type TrainingBudget,
  trainBase,
  trainFlowForFlow,
} from './common.js';

const ROTATED = { base: 'four-circles', transform: 'rotate', maxAngle: 45 };
const ANGLES = [15, 30, 45];
const QUANTILE = 0.01;

/**
 * The true log-density (up to a constant) of the rotated four circles at `angle` degrees: undo the
 * rotation and the 1/√2 shrink, then a mixture of four rings of radius 2 with Gaussian radial
 * noise 0.1 (exact to O(σ/R) for this data's per-coordinate noise).
 */
export function rotatedFourCirclesLogDensity(points: number[][], angle: number): Float64Array {
  const a = (-angle * Math.PI) / 180;
  const [cos, sin] = [Math.cos(a), Math.sin(a)];
  const sigma = 0.1;
  const out = new Float64Array(points.length);
  points.forEach(([qx, qy], i) => {
    const px = Math.SQRT2 * (cos * qx! - sin * qy!);
    const py = Math.SQRT2 * (sin * qx! + cos * qy!);
    let sum = 0;
    for (const [cx, cy] of [
      [1, 1],
      [-1, 1],
      [-1, -1],
      [1, -1],
    ] as const) {
      const d = Math.hypot(px - cx, py - cy);
      sum += Math.exp(-0.5 * ((d - 2) / sigma) ** 2) / (2 * Math.PI * 2 * sigma * Math.sqrt(2 * Math.PI));
    }
    out[i] = Math.log(sum / 4);
  });
  return out;
}

interface Setting {
  trainRows: number;
  testRows: number;
  budget: TrainingBudget;
  seeds: number[];
}

const QUICK: Setting = {
  trainRows: 4096,
  testRows: 2000,
  budget: { baseSteps: 200, baseLearningRate: 3e-3, f4fSteps: 80, f4fLearningRate: 1e-3 },
  seeds: [0],
};

const FULL: Setting = {
  trainRows: 20_000,
  testRows: 4000,
  budget: { baseSteps: 600, baseLearningRate: 3e-3, f4fSteps: 200, f4fLearningRate: 1e-3 },
  seeds: [0],
};

/** Samples of a conditional flow at one condition. */
function sampleAt(flow: Distribution, n: number, condition: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => flow.sample(n, { context: tf.tensor2d([[condition]]), seed }));
}

export const f4fConditional: Experiment = {
  name: 'f4f-conditional',
  package: '@diffeo/flows4flows',
  reproduces:
    'Flows for Flows (Klein, Raine, Golling 2022), Figures 6-7: conditional transport along a rotation',
  description:
    'four circles rotated by up to 45 degrees, conditioned on the angle: map 0 degrees to 15, 30 and 45 with a flow for flows on c_y - c_x, against sampling the conditional base flow and the base transfer; out-of-distribution fraction under the true density',
  settings: {
    quick: `${QUICK.trainRows} training rows, base ${QUICK.budget.baseSteps} steps, F4F ${QUICK.budget.f4fSteps} steps, seed 0`,
    full: `${FULL.trainRows} training rows, ${FULL.testRows} test rows, conditional base ${FULL.budget.baseSteps} steps (lr ${FULL.budget.baseLearningRate}), F4F ${FULL.budget.f4fSteps} steps (lr ${FULL.budget.f4fLearningRate}), batch 128, cosine to 0, clip 5, default seed 0`,
  },
  async run({ quick, seeds, progress }) {
    const s = quick ? QUICK : FULL;
    const runSeeds = seeds ?? s.seeds;
    progress.plan(runSeeds.length * 3);
    const ood: Record<string, number[]> = {};
    const moved: Record<string, number[]> = {};
    const push = (table: Record<string, number[]>, key: string, v: number) => {
      table[key] ??= [];
      table[key]!.push(v);
    };
    const figures: { name: string; figure: Figure }[] = [];
    for (const seed of runSeeds) {
      const left = sampleTensors('conditional', s.trainRows, 1000 * seed + 1, ROTATED);
      const right = sampleTensors('conditional', s.trainRows, 1000 * seed + 2, ROTATED);
      progress.tick(`seed ${seed}: conditional base`);
      const base = await trainBase(left, s.budget, 100 * seed + 11, 1);
      progress.tick(`seed ${seed}: flow for flows`);
      const paired = pairData(left, right);
      const model = await trainFlowForFlow(
        { left: base, context: { type: 'difference' }, init: 'identity', transformContextDim: 1 },
        paired,
        s.budget,
        100 * seed + 13,
      );
      progress.tick(`seed ${seed}: evaluation`);
      const input = sampleTensors('conditional', s.testRows, 1000 * seed + 3, { ...ROTATED, condition: 0 });
      const f4fImages: { title: string; y: tf.Tensor2D }[] = [];
      const transferImages: { title: string; y: tf.Tensor2D }[] = [];
      const sampled: { title: string; y: tf.Tensor2D }[] = [];
      for (const angle of ANGLES) {
        const c = angle / 45;
        const reference = sampleTensors('conditional', s.testRows, 1000 * seed + 4 + angle, {
          ...ROTATED,
          condition: c,
        });
        const refLogDensity = rotatedFourCirclesLogDensity(reference.x.arraySync(), angle);
        const contextIn = tf.zeros([1, 1]) as tf.Tensor2D;
        const contextOut = tf.tensor2d([[c]]);
        const f4f = model.transport(input.x, { contextIn, contextOut });
        const transfer = baseTransfer(base, base, input.x, { contextIn, contextOut });
        const samples = sampleAt(base, s.testRows, c, 100 * seed + angle);
        for (const [key, y] of [
          ['f4f', f4f],
          ['base samples', samples],
          ['base transfer', transfer],
          ['identity', input.x],
          ['true data', reference.x],
        ] as const) {
          const { fraction } = outOfDistributionFraction(
            rotatedFourCirclesLogDensity(y.arraySync(), angle),
            refLogDensity,
            QUANTILE,
          );
          push(ood, `${key}:${angle}`, fraction);
        }
        push(moved, `f4f:${angle}`, meanTranslation(input.x, f4f));
        push(moved, `base transfer:${angle}`, meanTranslation(input.x, transfer));
        f4fImages.push({ title: `F4F ${angle}°`, y: f4f });
        transferImages.push({ title: `base transfer ${angle}°`, y: transfer });
        sampled.push({ title: `base samples ${angle}°`, y: samples });
        tf.dispose([reference.x, reference.context, contextIn, contextOut]);
      }
      if (seed === runSeeds[0]) {
        figures.push({
          name: 'f4f-conditional-f4f',
          figure: colorCoded(
            input.x,
            f4fImages,
            'Flow for flows from 0° to 15°, 30°, 45° (colors follow the points)',
            [-3.5, 3.5],
          ),
        });
        figures.push({
          name: 'f4f-conditional-base-transfer',
          figure: colorCoded(input.x, transferImages, 'Base transfer from 0° to 15°, 30°, 45°', [-3.5, 3.5]),
        });
        figures.push({
          name: 'f4f-conditional-base-samples',
          figure: colorCoded(
            input.x,
            sampled,
            'Conditional base flow sampled at 15°, 30°, 45° (colors arbitrary)',
            [-3.5, 3.5],
          ),
        });
      }
      tf.dispose([
        left.x,
        left.context,
        right.x,
        right.context,
        paired.x,
        paired.context,
        input.x,
        input.context,
      ]);
      tf.dispose([...f4fImages, ...transferImages, ...sampled].map((i) => i.y));
      disposeTransform(model);
      base.dispose();
    }
    const methods = ['f4f', 'base samples', 'base transfer', 'identity', 'true data'];
    const table: ExperimentTable = {
      title: `Out-of-distribution fraction (true target log-density below its ${QUANTILE} quantile on true target data), mean ± sd over seeds`,
      header: ['method', ...ANGLES.map((a) => `0° → ${a}°`)],
      rows: methods.map((m) => [m, ...ANGLES.map((a) => meanSd(ood[`${m}:${a}`]!))]),
      notes: [
        `'identity' leaves the 0° points where they are; 'true data' is fresh data at the target angle (about ${QUANTILE} by construction). The paper shows these as figures only (Figures 6-7), with no numbers.`,
      ],
    };
    const distance: ExperimentTable = {
      title: 'Mean translation distance of the 0° points',
      header: ['method', ...ANGLES.map((a) => `0° → ${a}°`)],
      rows: ['f4f', 'base transfer'].map((m) => [m, ...ANGLES.map((a) => meanSd(moved[`${m}:${a}`]!))]),
    };
    const findings = ANGLES.map(
      (a) =>
        `0° → ${a}°: out-of-distribution fraction F4F ${meanSd(ood[`f4f:${a}`]!)}, base samples ${meanSd(ood[`base samples:${a}`]!)}, base transfer ${meanSd(ood[`base transfer:${a}`]!)}`,
    );
    return {
      tables: [table, distance],
      figures,
      data: { setting: s as unknown as never, ood, moved },
      findings,
    };
  },
};
