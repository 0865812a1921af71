import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type Activation, activationSchema } from './activation.js';
import { createConditioner } from './conditioner.js';
import { randomInput } from './test-utils/reference.js';

describe('conditioner gradients', () => {
  it.each(
    activationSchema.options.flatMap((activation) => [
      ['mlp', activation],
      ['residual', activation],
    ]),
  )('%s with %s: a gradient step leaks nothing and every variable gets a gradient', (type, activation) => {
    const spec =
      type === 'mlp'
        ? {
            type: 'mlp' as const,
            hiddenFeatures: 8,
            numHiddenLayers: 2,
            activation: activation as Activation,
          }
        : {
            type: 'residual' as const,
            hiddenFeatures: 8,
            numBlocks: 2,
            activation: activation as Activation,
          };
    const net = createConditioner(spec, {
      inFeatures: 2,
      outFeatures: 2,
      contextDim: 1,
      zeroInitOutput: false,
      seed: 2,
    });
    const x = randomInput(16, 2, 1);
    const c = randomInput(16, 1, 2);
    const variables = net.namedVariables().map((v) => v.variable);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(net.apply(x, c))) as tf.Scalar,
      variables,
    );
    expect(Object.keys(grads)).toHaveLength(variables.length);
    for (const g of Object.values(grads)) {
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    }
    // The output layer's gradient is not zero: the loss reaches the weights.
    const outName = net.outputLayer().weight.name;
    expect(Math.max(...Array.from(grads[outName]!.dataSync()).map(Math.abs))).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c]);
    net.dispose();
  });
});
