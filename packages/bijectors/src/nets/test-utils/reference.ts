import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../activation.js';
import type { Conditioner } from '../conditioner.js';
import type { MLP } from '../mlp.js';
import type { ResidualNet } from '../residual-net.js';

// A float64 reference of the nets, computed from their variables' values in plain JS.
export type Mat = { rows: number; cols: number; data: Float64Array };

export function mat(t: tf.Tensor): Mat {
  const [rows, cols] = t.rank === 2 ? t.shape : [1, t.shape[0]!];
  return { rows: rows!, cols: cols!, data: Float64Array.from(t.dataSync()) };
}

export function affineRef(x: Mat, w: Mat, b: Mat): Mat {
  const out = new Float64Array(x.rows * w.cols);
  for (let i = 0; i < x.rows; i++)
    for (let j = 0; j < w.cols; j++) {
      let s = b.data[j]!;
      for (let k = 0; k < x.cols; k++) s += x.data[i * x.cols + k]! * w.data[k * w.cols + j]!;
      out[i * w.cols + j] = s;
    }
  return { rows: x.rows, cols: w.cols, data: out };
}

export const actRef: Record<Activation, (v: number) => number> = {
  relu: (v) => Math.max(v, 0),
  elu: (v) => (v > 0 ? v : Math.expm1(v)),
  tanh: Math.tanh,
  'leaky-relu': (v) => (v > 0 ? v : 0.01 * v),
};

export function mapRef(m: Mat, f: (v: number) => number): Mat {
  return { ...m, data: m.data.map(f) };
}

export function addRef(a: Mat, b: Mat): Mat {
  return { ...a, data: a.data.map((v, i) => v + b.data[i]!) };
}

export function concatRef(a: Mat, b: Mat): Mat {
  const cols = a.cols + b.cols;
  const data = new Float64Array(a.rows * cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) data[i * cols + k] = a.data[i * a.cols + k]!;
    for (let k = 0; k < b.cols; k++) data[i * cols + a.cols + k] = b.data[i * b.cols + k]!;
  }
  return { rows: a.rows, cols, data };
}

export function vars(net: Conditioner): Record<string, Mat> {
  return Object.fromEntries(net.namedVariables().map((v) => [v.name, mat(v.variable)]));
}

export function layerRef(v: Record<string, Mat>, name: string, x: Mat): Mat {
  return affineRef(x, v[`${name}.weight`]!, v[`${name}.bias`]!);
}

export function mlpRef(net: MLP, x: Mat, act: Activation): Mat {
  const v = vars(net);
  let h = x;
  for (let i = 0; i < net.numHiddenLayers; i++) h = mapRef(layerRef(v, `hidden.${i}`, h), actRef[act]);
  return layerRef(v, 'output', h);
}

export function residualRef(net: ResidualNet, x: Mat, act: Activation): Mat {
  const v = vars(net);
  let h = layerRef(v, 'initial', x);
  for (let i = 0; i < net.numBlocks; i++) {
    const inner = mapRef(layerRef(v, `blocks.${i}.first`, mapRef(h, actRef[act])), actRef[act]);
    h = addRef(h, layerRef(v, `blocks.${i}.second`, inner));
  }
  return layerRef(v, 'final', h);
}

export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

export function randomInput(rows: number, cols: number, seed: number): tf.Tensor2D {
  return tf.randomNormal([rows, cols], 0, 2, 'float32', seed) as tf.Tensor2D;
}
