import * as tf from '@tensorflow/tfjs-core';

let installed = false;

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
  if (installed) return true;
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (identity === undefined || cast === undefined) return false;
  const stockIdentity = identity.kernelFunc;
  const stockCast = cast.kernelFunc;
  const share = (x: tf.TensorInfo, backend: unknown): tf.TensorInfo => {
    (backend as SharingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    ...identity,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      return x.dtype === 'string' ? stockIdentity(args) : share(x, args.backend);
    },
  });
  tf.unregisterKernel('Cast', 'wasm');
  tf.registerKernel({
    ...cast,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      const { dtype } = args.attrs as { dtype: tf.DataType };
      return x.dtype === dtype && dtype !== 'string' ? share(x, args.backend) : stockCast(args);
    },
  });
  installed = true;
  return true;
}
