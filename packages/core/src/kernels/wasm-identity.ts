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
function share(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as SharingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function installWasmIdentity(): boolean {
  return replaceKernel('Identity', 'wasm', (stock) => (args) => {
    const x = args.inputs.x!;
    return x.dtype === 'string' ? stock(args) : share(x, args.backend);
  });
}

/** The `Cast` half of {@link installWasmIdentity}: a cast to the tensor's own dtype shares its memory. */
export function installWasmCast(): boolean {
  return replaceKernel('Cast', 'wasm', (stock) => (args) => {
    const x = args.inputs.x!;
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    return x.dtype === dtype && dtype !== 'string' ? share(x, args.backend) : stock(args);
  });
}
