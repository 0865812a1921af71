import { useBackend } from '@diffeo/core';
import { maf } from '@diffeo/distributions';
import { MixtureOfFlows } from '@diffeo/mixtures';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clustersOf, mixtureSamples } from '../src/modes/mixtures/evaluate.js';
import { LabelSet, nearestRow } from '../src/modes/mixtures/labels.js';
import type { MixtureJob, MixtureMessage } from '../src/modes/mixtures/protocol.js';
import { MixtureRunner } from '../src/modes/mixtures/runner.js';
import type { FromWorker } from '../src/protocol.js';
import { JobControl } from '../src/worker/job-control.js';

// The mixture mode's worker side and its labels, in Node (the page tests drive the rest).
let mixture: MixtureOfFlows;
beforeAll(async () => {
  await useBackend('cpu');
  mixture = new MixtureOfFlows({
    components: [0, 1, 2].map((k) =>
      maf({ dim: 2, numTransforms: 1, hiddenFeatures: 8, numBlocks: 1, seed: k }),
    ),
    posterior: { hiddenFeatures: 8, seed: 1 },
    prior: 'learned',
  });
});
afterAll(() => mixture.dispose());

describe('mixture mode evaluation', () => {
  it('clusters in padded chunks are the clusters of the whole batch, and nothing is left behind', () => {
    const x = tf.randomNormal([11, 2], 0, 2, 'float32', 3) as tf.Tensor2D;
    const whole = mixture.predict(x);
    const expected = Array.from(whole.dataSync());
    whole.dispose();
    expect(new Set(expected).size).toBeGreaterThan(1);
    const before = tf.memory().numTensors;
    for (const chunk of [1, 4, 11, 16]) expect(clustersOf(mixture, x, chunk)).toEqual(expected);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('draws n samples whose components follow the prior, seeded, without leaks', () => {
    const logits = mixture.namedVariables().find((v) => v.name === 'prior.logits')!.variable;
    logits.assign(tf.tensor1d([0, Math.log(3), -20]));
    const before = tf.memory().numTensors;
    const { samples, components } = mixtureSamples(mixture, 2000, 64, 5);
    expect(tf.memory().numTensors).toBe(before);
    expect(samples).toHaveLength(2000);
    expect(samples.every((row) => row.length === 2 && row.every(Number.isFinite))).toBe(true);
    const share = (k: number) => components.filter((c) => c === k).length / 2000;
    // p(z) = (0.25, 0.75, ~0)
    expect(share(0)).toBeCloseTo(0.25, 1);
    expect(share(1)).toBeCloseTo(0.75, 1);
    expect(share(2)).toBe(0);
    // the same seed gives the same draws, and no row is drawn twice
    expect(mixtureSamples(mixture, 2000, 64, 5)).toEqual({ samples, components });
    expect(new Set(samples.map((row) => row.join(','))).size).toBe(2000);
  });
});

describe('mixture mode labels', () => {
  it('finds the nearest row in the first two columns; labelling a row again changes its label', () => {
    const rows = [
      [0, 0, 9],
      [1, 1, -9],
      [-2, 0.5, 0],
    ];
    expect(nearestRow(rows, [0.9, 1.2])).toBe(1);
    expect(nearestRow(rows, [-1.5, 0])).toBe(2);
    expect(nearestRow([], [0, 0])).toBe(-1);
    const labels = new LabelSet();
    labels.set(rows[0]!, 2);
    labels.set(rows[1]!, 0);
    labels.set([...rows[0]!], 1);
    expect(labels.size).toBe(2);
    expect(labels.all.map((l) => l.label)).toEqual([1, 0]);
    labels.clear();
    expect(labels.size).toBe(0);
  });
});

const JOB: MixtureJob = {
  mode: 'mixtures',
  data: { kind: 'dataset', type: 'pinwheel', config: {} },
  components: 3,
  component: { preset: 'maf', numTransforms: 1, hiddenFeatures: 4 },
  posteriorHidden: 4,
  prior: 'uniform',
  temperature: { initial: 5, final: 1 },
  steps: 6,
  batchSize: 256,
  learningRate: 0.005,
  seed: 0,
  snapshotEvery: 3,
};

describe('mixture mode runner', () => {
  it('trains without and then with labels, reports every view, and leaves only the model behind', async () => {
    const messages: FromWorker[] = [];
    const runner = new MixtureRunner((m) => messages.push(m));
    const before = tf.memory().numTensors;
    await runner.train(JOB, new JobControl());
    const snapshots = () =>
      messages.filter(
        (m): m is Extract<MixtureMessage, { type: 'mixture-snapshot' }> => m.type === 'mixture-snapshot',
      );
    const last = snapshots().at(-1)!;
    expect(snapshots().map((s) => s.step)).toEqual([0, 3, 6]);
    expect(last.regions!.values).toHaveLength(50 * 50);
    expect(last.samples).toHaveLength(800);
    expect(last.clusters).toHaveLength(1500);
    expect(last.scores!.classes).toBe(5);
    expect(last.validationLoss).toBe(runner.validationLoss());
    expect(messages.at(-1)).toEqual({ type: 'state', state: 'done', detail: '6 steps, completed' });

    const model = runner.model;
    const held = tf.memory().numTensors;
    const x = [last.samples[0]!, last.samples[1]!];
    await runner.train({ ...JOB, labelled: { x, labels: [2, 0], pretrainEpochs: 2 } }, new JobControl());
    expect(runner.model).toBe(model);
    const done = messages.at(-1) as { detail: string };
    // 2 epochs of 1 labelled step, then round(6 / (1 + 4)) = 1 epoch of 1 + 4 steps
    expect(done.detail).toBe(
      '7 steps with 2 labelled points and 1024 unlabelled (continuing the trained model), completed',
    );
    expect(snapshots().at(-1)!.labelledPredictions).toHaveLength(2);

    // training with labels continued the same model and left nothing behind; disposing frees it all
    expect(tf.memory().numTensors).toBe(held);
    runner.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
