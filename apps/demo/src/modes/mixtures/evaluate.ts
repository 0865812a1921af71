import { createRng } from '@diffeo/core';
import type { MixtureOfFlows } from '@diffeo/mixtures';
import * as tf from '@tensorflow/tfjs-core';

// The views evaluate the model in chunks of the training batch's size: webgl compiles a shader per
// shape, so these reuse what training compiled instead of compiling their own (slow in software).

/** argmax q(z|x) of every row of `x`, in chunks of `chunk` rows (the last one padded). */
export function clustersOf(mixture: MixtureOfFlows, x: tf.Tensor2D, chunk: number): number[] {
  const [n, dim] = x.shape;
  const chunks = Math.ceil(n / chunk);
  const clusters = tf.tidy(() => {
    const full = chunks * chunk > n ? tf.concat([x, tf.zeros([chunks * chunk - n, dim])]) : x;
    const parts = Array.from({ length: chunks }, (_, i) =>
      mixture.predict(tf.slice(full, [i * chunk, 0], [chunk, dim]) as tf.Tensor2D),
    );
    return parts.length === 1 ? parts[0]! : tf.concat(parts);
  });
  const values = Array.from(clusters.dataSync()).slice(0, n);
  clusters.dispose();
  return values;
}

/**
 * `n` draws of the mixture, z ~ p(z) then x ~ p(x|z), each with the component that drew it. Every
 * component draws the same number of rows in chunks, and draw i takes row i of its component's:
 * `mixture.sample(n)` would give each component a random count, so new shapes every time.
 */
export function mixtureSamples(
  mixture: MixtureOfFlows,
  n: number,
  chunk: number,
  seed: number,
): { samples: number[][]; components: number[] } {
  const rng = createRng(seed);
  const pools = Array.from({ length: mixture.numComponents }, (_, k) => {
    const rows: number[][] = [];
    while (rows.length < n) {
      const { x } = mixture.sample(chunk, { seed: rng, component: k });
      rows.push(...x.arraySync());
      x.dispose();
    }
    return rows;
  });
  const prior = tf.tidy(() => tf.exp(mixture.logPrior()).dataSync());
  const components = Array.from({ length: n }, () => {
    const u = rng.uniform();
    let k = 0;
    for (let acc = prior[0]!; u >= acc && k < prior.length - 1; acc += prior[++k]!);
    return k;
  });
  return { samples: components.map((k, i) => pools[k]![i]!), components };
}
