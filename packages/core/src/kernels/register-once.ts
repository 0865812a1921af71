import * as tf from '@tensorflow/tfjs-core';

/** Registers a kernel unless its backend already has one of that name: what makes installs idempotent. */
export function registerKernelOnce(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) === undefined) tf.registerKernel(config);
}

/** Registers a gradient unless its kernel already has one. */
export function registerGradientOnce(config: tf.GradConfig): void {
  if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
}
