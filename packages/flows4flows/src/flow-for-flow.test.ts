import { registerBijectors } from '@diffeo/bijectors';
import { ConfigError, createRegistry, fit, load, ShapeError, save } from '@diffeo/core';
import { registerDistributions } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerContextFunction } from './context.js';
import { FlowForFlow, type TransportOptions } from './flow-for-flow.js';
import { flowForFlowObjective, pairData } from './objective.js';
import { registerFlows4Flows } from './plugins.js';
import { maxAbsDiff, smallBase, spreadPoints } from './test-utils/models.js';
import { flowsForFlowsTransform } from './transform.js';

registerContextFunction('test-sum', (a, b) => tf.concat([a, tf.add(a, b)], 1) as tf.Tensor2D);

const col = (values: number[]) => tf.tensor2d(values, [values.length, 1]);

type Variant = {
  name: string;
  context: ConstructorParameters<typeof FlowForFlow>[0]['context'];
  baseContextDim: number;
  transformContextDim: number;
  options: (n: number) => TransportOptions;
};

const N = 6;
const cIn = () => col([0.1, 0.9, 0.5, 0.3, 0.0, 1.0]);
const cOut = () => col([0.6, 0.2, 0.5, 0.0, 1.0, 0.4]);
const VARIANTS: Variant[] = [
  { name: 'none', context: { type: 'none' }, baseContextDim: 0, transformContextDim: 0, options: () => ({}) },
  {
    name: 'none, right to left',
    context: { type: 'none' },
    baseContextDim: 0,
    transformContextDim: 0,
    options: () => ({ direction: 'right-to-left' }),
  },
  {
    name: 'difference',
    context: { type: 'difference' },
    baseContextDim: 1,
    transformContextDim: 1,
    options: () => ({ contextIn: cIn(), contextOut: cOut() }),
  },
  {
    name: 'pair',
    context: { type: 'pair' },
    baseContextDim: 1,
    transformContextDim: 2,
    options: () => ({ contextIn: cIn(), contextOut: cOut() }),
  },
  {
    name: 'shared',
    context: { type: 'shared' },
    baseContextDim: 1,
    transformContextDim: 1,
    options: () => ({ contextIn: cIn() }),
  },
  {
    name: 'fixed',
    context: { type: 'fixed', left: [0], right: [1] },
    baseContextDim: 1,
    transformContextDim: 0,
    options: () => ({}),
  },
  {
    name: 'custom',
    context: { type: 'custom', name: 'test-sum', contextDim: 2 },
    baseContextDim: 1,
    transformContextDim: 2,
    options: () => ({ contextIn: cIn(), contextOut: tf.tensor2d([[0.7]]) }),
  },
];

function build(v: Variant, init: 'identity' | 'random' = 'random'): FlowForFlow {
  return new FlowForFlow({
    transform: flowsForFlowsTransform({ dim: 2, contextDim: v.transformContextDim, init, seed: 3 }),
    left: smallBase(1, v.baseContextDim),
    right: smallBase(2, v.baseContextDim),
    context: v.context,
    basesTrained: true,
  });
}

describe('FlowForFlow', () => {
  it('starts as exactly the identity with the identity initialisation, tails included; not with the random one', () => {
    const x = tf.tensor2d([
      [0, 0],
      [1.5, -2],
      [3.99, -3.99],
      [6, -9],
      [-25, 40],
    ]);
    for (const contextDim of [0, 1]) {
      const f = flowsForFlowsTransform({ dim: 2, contextDim, init: 'identity', seed: 0 });
      const c = contextDim === 0 ? undefined : col([0, 0.3, 1, 0.5, 0.2]);
      const fwd = f.forward(x, c);
      const inv = f.inverse(x, c);
      expect(maxAbsDiff(fwd.y, x)).toBeLessThan(1e-5);
      expect(maxAbsDiff(inv.y, x)).toBeLessThan(1e-5);
      expect(maxAbsDiff(fwd.logDet, tf.zeros([5]))).toBeLessThan(1e-5);
      tf.dispose([fwd.y, fwd.logDet, inv.y, inv.logDet, c]);
      f.dispose();
    }
    const random = flowsForFlowsTransform({ dim: 2, init: 'random', seed: 0 });
    const y = random.forward(x).y;
    expect(maxAbsDiff(y, x)).toBeGreaterThan(1e-2);
    tf.dispose([x, y]);
    random.dispose();
  });

  for (const v of VARIANTS) {
    it(`context '${v.name}': transport then inverse returns the rows, logProb is the target base's plus logDet, no tensor left`, () => {
      const model = build(v);
      const x = spreadPoints(N, 5);
      const options = v.options(N);
      const before = tf.memory().numTensors;
      const y = model.transport(x, options);
      const back = model.inverseTransport(y, options);
      const chunked = model.transport(x, { ...options, chunkSize: 4 });
      const lp = model.logProb(x, options);
      const { y: yAgain, logDet } = model.transportWithLogDet(x, options);
      expect(tf.memory().numTensors).toBe(before + 6);
      expect(maxAbsDiff(back, x)).toBeLessThan(1e-4);
      expect(maxAbsDiff(chunked, y)).toBeLessThan(1e-6);
      expect(maxAbsDiff(y, x)).toBeGreaterThan(1e-3);

      // The hand composition: each row lands on the right base (left for f^-1 rows) at its target condition.
      const reversed = v.name.includes('right to left') || false;
      const expected = tf.tidy(() => {
        const c = v.context!;
        const rowsRev =
          c.type === 'difference' || c.type === 'pair'
            ? (Array.from(tf.less(options.contextOut!, options.contextIn!).dataSync()) as number[])
            : new Array(N).fill(reversed ? 1 : 0);
        const baseCtx = (side: 'left' | 'right') =>
          c.type === 'none'
            ? undefined
            : c.type === 'fixed'
              ? (tf.fill([N, 1], c[side][0]!) as tf.Tensor2D)
              : c.type === 'shared'
                ? options.contextIn
                : (tf.tile(options.contextOut!, [N / options.contextOut!.shape[0], 1]) as tf.Tensor2D);
        const l = model.left.logProb(y, baseCtx('left')).dataSync();
        const r = model.right.logProb(y, baseCtx('right')).dataSync();
        const ld = logDet.dataSync();
        return tf.tensor1d(rowsRev.map((rv, i) => (rv ? l[i]! : r[i]!) + ld[i]!));
      });
      expect(maxAbsDiff(lp, expected)).toBeLessThan(1e-4);
      tf.dispose([x, y, yAgain, back, chunked, lp, logDet, expected, options.contextIn, options.contextOut]);
      model.dispose();
    });
  }

  it('difference: the direction rule maps a row with c_out < c_in by f^-1 with c_in - c_out, so f never sees a negative difference', () => {
    const model = build(VARIANTS[2]!);
    const x = spreadPoints(2, 1);
    const contextIn = col([0.2, 0.9]);
    const contextOut = col([0.7, 0.4]);
    const y = model.transport(x, { contextIn, contextOut });
    const fwd = model.transform.forward(tf.slice(x, [0, 0], [1, 2]), col([0.5]));
    const inv = model.transform.inverse(tf.slice(x, [1, 0], [1, 2]), col([0.5]));
    expect(maxAbsDiff(tf.slice(y, [0, 0], [1, 2]), fwd.y)).toBeLessThan(1e-5);
    expect(maxAbsDiff(tf.slice(y, [1, 0], [1, 2]), inv.y)).toBeLessThan(1e-5);
    expect(() => model.transport(x, { contextIn, contextOut, direction: 'left-to-right' })).toThrow(
      ConfigError,
    );
    model.dispose();
  });

  it('names missing, extra and misshapen conditions, mismatched dimensions and disposed parts', () => {
    const diff = build(VARIANTS[2]!);
    const plain = build(VARIANTS[0]!);
    const x = spreadPoints(3, 0);
    expect(() => diff.transport(x, { contextIn: col([0, 1, 0]) })).toThrow(
      /contextOut: expected a condition of shape \[3, 1\]/,
    );
    expect(() => plain.transport(x, { contextIn: col([0, 1, 0]) })).toThrow(ShapeError);
    expect(() => diff.transport(x, { contextIn: col([0, 1]), contextOut: col([0, 1]) })).toThrow(
      /expected 3 rows/,
    );
    expect(() => plain.transport(tf.zeros([3, 3]) as tf.Tensor2D)).toThrow(/expected shape \[batch, 2\]/);
    expect(
      () => new FlowForFlow({ transform: flowsForFlowsTransform({ dim: 3 }), left: smallBase(0) }),
    ).toThrow(/transform.dim: expected 2/);
    expect(
      () =>
        new FlowForFlow({
          transform: flowsForFlowsTransform({ dim: 2 }),
          left: smallBase(0, 1),
          context: { type: 'none' },
        }),
    ).toThrow(ConfigError);
    expect(
      () =>
        new FlowForFlow({
          transform: flowsForFlowsTransform({ dim: 2 }),
          left: smallBase(0, 1),
          context: { type: 'difference' },
        }),
    ).toThrow(/transform.contextDim: expected 1/);
    expect(() =>
      flowForFlowObjective(
        new FlowForFlow({ transform: flowsForFlowsTransform({ dim: 2 }), left: smallBase(0) }),
      ),
    ).toThrow(/expected trained bases/);
    expect(() => flowForFlowObjective(plain, { penalty: { type: 'l1', weight: -1 } })).toThrow(
      /penalty.weight/,
    );
    expect(() => flowForFlowObjective(plain, { penalty: { type: 'l1', weight: Number.NaN } })).toThrow(
      ConfigError,
    );
    plain.left.dispose();
    expect(() => plain.transport(x)).toThrow(/left: expected a live model, got a disposed one/);
    expect(() => flowForFlowObjective(plain)).toThrow(/disposed/);
    tf.dispose(x);
    diff.dispose();
    plain.transform.dispose();
    plain.right.dispose();
  });

  it('saves and loads with its bases, giving the same transport', async () => {
    const model = build(VARIANTS[2]!);
    const registry = createRegistry();
    registerBijectors(registry);
    registerDistributions(registry);
    registerFlows4Flows(registry);
    let stored: tf.io.ModelArtifacts | undefined;
    await save(model, {
      save: async (a) => {
        stored = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    });
    const again = await load<FlowForFlow>({ load: async () => stored! }, registry);
    const x = spreadPoints(4, 2);
    const options = { contextIn: col([0, 1, 0.5, 0.2]), contextOut: col([1, 0, 0.5, 0.9]) };
    const a = model.transport(x, options);
    const b = again.transport(x, options);
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(again.getConfig()).toEqual(model.getConfig());
    tf.dispose([x, a, b, options.contextIn, options.contextOut]);
    model.dispose();
    again.dispose();
  });
});

describe('training f', () => {
  it('frozen bases keep their weights exactly; f changes; joint training moves the bases; no tensor left', async () => {
    const model = build(VARIANTS[0]!, 'identity');
    const data = pairData({ x: spreadPoints(64, 1) }, { x: spreadPoints(64, 2) });
    const snapshot = () =>
      model.namedVariables().map((v) => ({ name: v.name, values: v.variable.dataSync().slice() }));
    const before = snapshot();
    const tensors = tf.memory().numTensors;
    const objective = flowForFlowObjective(model, { penalty: { type: 'l1', weight: 1 } });
    expect(objective.namedVariables().every((v) => v.name.startsWith('transform.'))).toBe(true);
    await fit(objective, data, { steps: 3, batchSize: 32, learningRate: 1e-2, seed: 0 });
    expect(tf.memory().numTensors).toBe(tensors);
    const after = snapshot();
    for (const [i, b] of before.entries()) {
      const changed = b.values.some((v, j) => v !== after[i]!.values[j]);
      expect({ name: b.name, changed }).toEqual({
        name: b.name,
        changed: b.name.startsWith('transform.') ? changed : false,
      });
    }
    expect(
      after.some(
        (a, i) => a.name.startsWith('transform.') && a.values.some((v, j) => v !== before[i]!.values[j]),
      ),
    ).toBe(true);

    const joint = flowForFlowObjective(model, { trainBases: true });
    await fit(joint, data, { steps: 2, batchSize: 32, learningRate: 1e-2, seed: 0 });
    const later = snapshot();
    expect(
      later.some((a, i) => a.name.startsWith('left.') && a.values.some((v, j) => v !== after[i]!.values[j])),
    ).toBe(true);
    tf.dispose([data.x]);
    model.dispose();
  });

  it('the loss is the mean NLL of the side it trains plus the penalty, alternating sides step by step', () => {
    const model = build(VARIANTS[0]!);
    const xl = spreadPoints(8, 1);
    const xr = spreadPoints(8, 2);
    const batch = pairData({ x: xl }, { x: xr });
    const objective = flowForFlowObjective(model, {
      direction: 'alternate',
      penalty: { type: 'l1', weight: 0.5 },
    });
    objective.setTraining(true);
    const hand = (x: tf.Tensor2D, direction: 'left-to-right' | 'right-to-left') =>
      tf.tidy(() => {
        const y = model.transport(x, { direction });
        const lp = model.logProb(x, { direction });
        const l1 = tf.sum(tf.abs(tf.sub(y, x)), 1);
        return -tf.mean(tf.sub(lp, tf.mul(l1, 0.5))).dataSync()[0]!;
      });
    const first = objective.loss(batch);
    const second = objective.loss(batch);
    expect(first.dataSync()[0]).toBeCloseTo(hand(xl, 'left-to-right'), 4);
    expect(second.dataSync()[0]).toBeCloseTo(hand(xr, 'right-to-left'), 4);
    tf.dispose([xl, xr, batch.x, first, second]);
    model.dispose();
  });
});
