import { useBackend } from '@diffeo/core';
import { maf } from '@diffeo/distributions';
import { MixtureOfFlows } from '@diffeo/mixtures';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DensityJob } from '../src/modes/density/protocol.js';
import { DensityRunner } from '../src/modes/density/runner.js';
import type { FromWorker } from '../src/protocol.js';
import { JobControl } from '../src/worker/job-control.js';

// The frame every mode's runner shares (worker/data-runner.ts), through the density mode's runner.
beforeAll(async () => {
  await useBackend('cpu');
});

const JOB: DensityJob = {
  mode: 'density',
  data: { kind: 'dataset', type: 'checkerboard', config: {} },
  model: { kind: 'preset', preset: 'maf', options: { numTransforms: 1, hiddenFeatures: 8 } },
  steps: 4,
  batchSize: 64,
  learningRate: 0.003,
  seed: 0,
  snapshotEvery: 2,
};

const flow = (dim: number) => maf({ dim, numTransforms: 1, hiddenFeatures: 8, numBlocks: 1, seed: 1 });

describe('a runner loading a model', () => {
  it('refuses another kind, another width or data that does not load, and disposes the refused model', async () => {
    const messages: FromWorker[] = [];
    const runner = new DensityRunner((m) => messages.push(m));
    const before = tf.memory().numTensors;
    expect(() => runner.validationLoss()).toThrow('train or load a model first');

    const mixture = new MixtureOfFlows({
      components: [flow(2), flow(2)],
      posterior: { hiddenFeatures: 8, seed: 1 },
    });
    await expect(runner.adopt(mixture, JOB)).rejects.toThrow(
      `load: density mode takes a flow, got a '${mixture.type}' ${mixture.kind}`,
    );
    await expect(runner.adopt(flow(3), JOB)).rejects.toThrow('load: the model is 3-D, the data 2-D');
    const badCsv = { ...JOB, data: { kind: 'csv' as const, text: 'a,b\n1,2\n3,x\n' } };
    await expect(runner.adopt(flow(2), badCsv)).rejects.toThrow();
    expect(runner.model).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
    runner.dispose();
  });

  it('keeps a fitting model, shows it scored on the data, and a training replaces it', async () => {
    const messages: FromWorker[] = [];
    const runner = new DensityRunner((m) => messages.push(m));
    const before = tf.memory().numTensors;
    const loaded = flow(2);
    await runner.adopt(loaded, JOB);
    expect(runner.model).toBe(loaded);
    const shown = messages.at(-1);
    expect(shown).toMatchObject({ type: 'snapshot', step: 0 });
    const loss = runner.validationLoss();
    expect(Number.isFinite(loss)).toBe(true);
    expect(shown).toMatchObject({ validationLoss: loss });

    await runner.train(JOB, new JobControl());
    expect(runner.model).not.toBe(loaded);
    expect(messages.at(-1)).toEqual({ type: 'state', state: 'done', detail: '4 steps, completed' });
    // the loaded model was disposed when the trained one replaced it
    runner.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
