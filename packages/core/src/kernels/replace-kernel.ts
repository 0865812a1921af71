import * as tf from '@tensorflow/tfjs-core';

type KernelFunc = tf.KernelConfig['kernelFunc'];

const replaced = new Set<string>();

/**
 * Replaces the registered `kernelName` kernel of `backendName` with `make(stock)`, where `stock`
 * is the kernel function it replaces (for the cases the replacement leaves to it). Once per
 * kernel: later calls return true and change nothing. False when the backend has no such kernel
 * (its package is not loaded).
 */
export function replaceKernel(
  kernelName: string,
  backendName: string,
  make: (stock: KernelFunc) => KernelFunc,
): boolean {
  const key = `${backendName}/${kernelName}`;
  if (replaced.has(key)) return true;
  const original = tf.getKernel(kernelName, backendName);
  if (original === undefined) return false;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...original, kernelFunc: make(original.kernelFunc) });
  replaced.add(key);
  return true;
}
