import * as tf from '@tensorflow/tfjs-core';

/**
 * Sum's gradient as tfjs's own (dy times ones of x's shape, broadcast over the summed axes), with
 * the ones made by the backend's Fill kernel: tfjs fills them on the host and uploads them at
 * every call, which on wasm costs more than the rest of the gradient of a [batch, dim]
 * log-determinant's sum. Registered over tfjs's by core's entry point, right after tfjs's
 * gradients. (tf.broadcastTo instead of the product runs wasm's Tile kernel, slower still.)
 */
tf.registerGradient({
  kernelName: tf.Sum,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0]!;
    const kept = x.shape.slice();
    for (const axis of tf.util.parseAxisParam((attrs as unknown as tf.SumAttrs).axis, x.shape))
      kept[axis] = 1;
    return { x: () => tf.mul(tf.reshape(dy as tf.Tensor, kept), tf.fill(x.shape, 1)) };
  },
});
