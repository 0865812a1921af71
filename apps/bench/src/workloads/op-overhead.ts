import * as tf from '@tensorflow/tfjs-core';
import type { Figure } from '../types.js';
import type { Workload } from '../workload.js';
import { duration, single } from './figures.js';

const MATMUL = { m: 1024, k: 128, n: 128 };
const TINY = 1024;

/**
 * What the backend costs before any arithmetic: the time of a tiny op queued behind others, of a
 * tiny op read back every time (a host round-trip), and of the 1024x128 . 128x128 product that
 * dominates a flow's training step at batch 1024, plain and with the transpose flags that every
 * matmul gradient sets.
 */
export const opOverheadWorkload: Workload = {
  name: 'op-overhead',
  description: 'Per-op cost of a tiny op (queued, and read back each time) and of the step-sized matmul',
  perArch: false,
  plan: () => ['tiny op', 'tiny op read back', 'matmul', 'matmul transposed'],
  async run(ctx) {
    const figures: Figure[] = [];
    const { tinyOps, readbackOps } = ctx.settings;
    // 1024 elements: arithmetic is negligible, yet large enough that webgl runs it on the GPU
    // (it forwards tensors under 128 elements to the cpu backend).
    const one = tf.ones([TINY]);

    await ctx.step('tiny op');
    const queued = await ctx.time(async () => {
      const out = tf.tidy(() => {
        let y = tf.zeros([TINY]);
        for (let i = 0; i < tinyOps; i++) y = tf.add(y, one);
        return y;
      });
      await out.data();
      out.dispose();
    });
    figures.push(
      duration(
        'op-overhead/tiny-op/us',
        `tiny op (add of two ${TINY}-vectors), queued`,
        'us',
        queued.map((t) => t / tinyOps),
      ),
    );

    await ctx.step('tiny op read back');
    const readBack = await ctx.time(async () => {
      let y = tf.zeros([TINY]);
      for (let i = 0; i < readbackOps; i++) {
        const next = tf.add(y, one);
        y.dispose();
        y = next;
        await y.data();
      }
      y.dispose();
    });
    figures.push(
      duration(
        'op-overhead/tiny-op-readback/us',
        'tiny op, read back every time',
        'us',
        readBack.map((t) => t / readbackOps),
      ),
    );

    const { m, k, n } = MATMUL;
    const a = tf.randomUniform([m, k], -1, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomUniform([k, n], -1, 1, 'float32', 2) as tf.Tensor2D;
    const bT = tf.transpose(b) as tf.Tensor2D;
    const dY = tf.randomUniform([m, n], -1, 1, 'float32', 3) as tf.Tensor2D;
    const flops = 2 * m * k * n;
    // One element is read back: enough to wait for queued GPU work, while reading the whole
    // product back costs wasm in Node more than the product itself (a fresh buffer per read, and
    // the GC it brings; the README has the figures).
    const timeMatmul = (f: () => tf.Tensor) =>
      ctx.time(async () => {
        const c = f();
        const corner = tf.slice(c, [0, 0], [1, 1]);
        await corner.data();
        tf.dispose([c, corner]);
      });
    try {
      await ctx.step('matmul');
      const plain = await timeMatmul(() => tf.matMul(a, b));
      figures.push(
        duration(`op-overhead/matmul-${m}x${k}x${n}/ms`, `matmul ${m}x${k} . ${k}x${n}`, 'ms', plain),
      );
      await ctx.step('matmul transposed');
      // The two products a Dense layer's gradient takes: dX = dY . W^T and dW = X^T . dY.
      const withB = await timeMatmul(() => tf.matMul(a, bT, false, true));
      const withA = await timeMatmul(() => tf.matMul(a, dY, true, false));
      figures.push(
        duration(
          `op-overhead/matmul-${m}x${k}x${n}-transpose-b/ms`,
          'same, B transposed (dX = dY . W^T)',
          'ms',
          withB,
        ),
        duration(
          `op-overhead/matmul-${k}x${m}x${n}-transpose-a/ms`,
          `matmul ${k}x${m} . ${m}x${n}, A transposed (dW = X^T . dY)`,
          'ms',
          withA,
        ),
      );
      const median = plain.slice().sort((x, y) => x - y)[plain.length >> 1]!;
      figures.push(
        single(
          'op-overhead/matmul/gflops',
          'matmul arithmetic rate',
          'GFLOP/s',
          flops / median / 1e9,
          'higher',
        ),
      );
    } finally {
      tf.dispose([one, a, b, bT, dY]);
    }
    return { figures, details: { tinyOps, readbackOps, tinySize: TINY, matmul: MATMUL } };
  },
};
