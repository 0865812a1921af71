import { ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ConditionalDataset } from './conditional/conditional.js';
import './index.js';
import { Ring } from './planar/ring.js';
import { toTensors } from './tensors.js';

describe('toTensors', () => {
  it('returns x [n, dim], context [n, contextDim] and int32 labels [n] with the same values', () => {
    const data = new ConditionalDataset({ base: 'four-circles', transform: 'scale' }).sample(64, { seed: 0 });
    const before = tf.memory().numTensors;
    const t = toTensors(data);
    expect(t.x.shape).toEqual([64, 2]);
    expect(t.context!.shape).toEqual([64, 1]);
    expect(t.labels!.shape).toEqual([64]);
    expect(t.labels!.dtype).toBe('int32');
    expect(t.x.dataSync()).toEqual(data.x);
    expect(t.context!.dataSync()).toEqual(data.context);
    expect(Array.from(t.labels!.dataSync())).toEqual(Array.from(data.labels!));
    tf.dispose([t.x, t.context!, t.labels!]);
    expect(tf.memory().numTensors).toBe(before);

    const plain = toTensors(new Ring().sample(8, { seed: 1 }));
    expect(plain.context).toBeUndefined();
    expect(plain.labels).toBeUndefined();
    plain.x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects arrays that disagree with n and dim', () => {
    expect(() => toTensors({ x: new Float32Array(5), n: 2, dim: 2 })).toThrow(ShapeError);
    expect(() => toTensors({ x: new Float32Array(4), n: 2, dim: 2, labels: new Int32Array(3) })).toThrow(
      /toTensors: data\.labels: expected 2 labels \(one per row\), got 3/,
    );
    expect(() => toTensors({ x: new Float32Array(4), n: 2, dim: 2, context: new Float32Array(2) })).toThrow(
      /data\.context and data\.contextDim: expected both or neither/,
    );
  });
});
