import { create, useBackend } from '@diffeo/core';
import { type Dataset, toTensors } from '@diffeo/datasets';
import { nsf } from '@diffeo/distributions';
import { FlowForFlow, flowForFlowObjective, pairData } from '@diffeo/flows4flows';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapTransform } from '../src/modes/flows4flows/models.js';
import type { F4FJob, F4FMapView } from '../src/modes/flows4flows/protocol.js';
import { F4FRunner, lowerConditionLeft } from '../src/modes/flows4flows/runner.js';
import type { FromWorker } from '../src/protocol.js';
import { JobControl } from '../src/worker/job-control.js';

// The worker side of the mode, in Node: what it posts, what it leaves behind, and the pair ordering.
beforeAll(async () => {
  await useBackend('wasm');
});

const job = (setup: F4FJob['setup'], architecture: F4FJob['architecture'] = 'tiny'): F4FJob => ({
  mode: 'flows4flows',
  setup,
  architecture,
  steps: 10,
  mapSteps: 10,
  l1Weight: 0.2,
  condition: 2 / 3,
  batchSize: 64,
  learningRate: 0.003,
  seed: 0,
});

const views = (messages: FromWorker[]) => messages.filter((m): m is F4FMapView => m.type === 'f4f-map');

describe('the flows-for-flows runner', () => {
  it('trains the bases then the map with progress over both phases, and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const messages: FromWorker[] = [];
    const runner = new F4FRunner((m) => messages.push(m));
    const twoSets = job({
      kind: 'two-sets',
      left: { kind: 'dataset', type: 'four-circles', config: {} },
      right: { kind: 'dataset', type: 'checkerboard', config: {} },
    });
    await runner.train(twoSets, new JobControl());

    const progress = messages.filter((m) => m.type === 'progress');
    expect(new Set(progress.map((m) => m.phase))).toEqual(
      new Set(['left base flow (1/3)', 'right base flow (2/3)', 'map (3/3)']),
    );
    expect(progress.at(-1)).toMatchObject({ step: 30, steps: 30 });
    expect(messages.at(-1)).toMatchObject({ type: 'state', state: 'done' });
    const [start, ...rest] = views(messages);
    expect(start!.step).toBe(0);
    // the map starts as the identity
    expect(start!.f4fTranslation).toBeLessThan(1e-5);
    expect(rest.at(-1)!.step).toBe(10);
    expect(rest.at(-1)!.validationLoss).toBeCloseTo(runner.validationLoss(), 6);

    runner.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('redraws a conditional map at a new condition on request, and a stop in phase 1 keeps no model', async () => {
    const before = tf.memory().numTensors;
    const messages: FromWorker[] = [];
    const runner = new F4FRunner((m) => messages.push(m));
    const conditional = job({ kind: 'conditional', base: 'four-circles', transform: 'rotate' });
    await runner.train(conditional, new JobControl());
    const trained = views(messages).at(-1)!;
    expect(trained.conditions).toEqual({ input: 0, target: 2 / 3 });

    await runner.request({ mode: 'flows4flows', type: 'condition', condition: 1 });
    const redrawn = views(messages).at(-1)!;
    expect(redrawn).not.toBe(trained);
    expect(redrawn.conditions).toEqual({ input: 0, target: 1 });
    expect(redrawn.validationLoss).toBe(trained.validationLoss);
    expect(redrawn.images).not.toEqual(trained.images);

    const control = new JobControl();
    control.stop();
    await runner.train(conditional, control);
    expect(messages.at(-1)).toMatchObject({ type: 'state', state: 'stopped' });
    expect(runner.model).toBeUndefined();
    runner.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('puts the lower condition on the left of each pair without changing the loss', () => {
    const rotated = create<Dataset>({
      kind: 'dataset',
      type: 'conditional',
      config: { base: 'four-circles', transform: 'rotate' },
    });
    const a = rotated.sample(256, { seed: 1 });
    const b = rotated.sample(256, { seed: 2 });
    const [left, right] = lowerConditionLeft(a, b);
    for (let i = 0; i < 256; i++) expect(left.context![i]).toBeLessThanOrEqual(right.context![i]!);

    const base = nsf({
      dim: 2,
      contextDim: 1,
      kind: 'coupling',
      numTransforms: 2,
      hiddenFeatures: 8,
      seed: 3,
    });
    const model = new FlowForFlow({
      // a random map, so the two directions differ
      transform: mapTransform('tiny', 2, 1, 4),
      left: base,
      context: { type: 'difference' },
      basesTrained: true,
    });
    tf.tidy(() => {
      for (const [i, v] of model.transform.namedVariables().entries()) {
        v.variable.assign(tf.randomNormal(v.variable.shape, 0, 0.3, 'float32', i));
      }
    });
    const objective = flowForFlowObjective(model, {
      direction: 'both',
      penalty: { type: 'l1', weight: 0.5 },
    });
    const loss = (p: typeof a, q: typeof a) =>
      tf.tidy(() => {
        const side = (d: typeof a) => {
          const { x, context } = toTensors(d);
          return { x, context: context! };
        };
        return objective.loss(pairData(side(p), side(q))).dataSync()[0]!;
      });
    expect(loss(left, right)).toBeCloseTo(loss(a, b), 4);
    model.dispose();
  });
});
