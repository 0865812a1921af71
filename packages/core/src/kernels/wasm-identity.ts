import type * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel.js';

interface SharingBackend {
  incRef(dataId: object): void;
}

/**
 * Replaces the wasm backend's `Identity` and `Cast` kernels so that an identity, or a cast to the
 * dtype a tensor already has, shares the input's memory (a reference count, as `Reshape` does and
 * as the cpu backend's identity does) instead of copying it. The engine clones every input and
 * output a gradient needs (`Identity`, ~260 per NSF training step) and ReLU's gradient casts a
 * float32 mask to float32: copies that cost more than the layers' additions. Tensor data is never
 * written in place, so sharing is safe. Casts between dtypes go to the stock kernel. Called by
 * `useBackend('wasm')`.
 */
export function installWasmIdentity(): boolean {
  const share = (x: tf.TensorInfo, backend: unknown): tf.TensorInfo => {
    (backend as SharingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  const identity = replaceKernel('Identity', 'wasm', (stock) => (args) => {
    const x = args.inputs.x!;
    return x.dtype === 'string' ? stock(args) : share(x, args.backend);
  });
  const cast = replaceKernel('Cast', 'wasm', (stock) => (args) => {
    const x = args.inputs.x!;
    const { dtype } = args.attrs as { dtype: tf.DataType };
    return x.dtype === dtype && dtype !== 'string' ? share(x, args.backend) : stock(args);
  });
  return identity && cast;
}
