import type * as tf from '@tensorflow/tfjs-core';

/**
 * What a kernel written in plain JS needs from a backend whose data lives in CPU memory: read an
 * input as a typed array, make an output from one. Diffeo's fused kernels (the spline, Adam) are
 * registered for the backends listed in {@link arrayIO}; on any other backend the kernel is not
 * registered and the caller falls back to ordinary ops.
 */
export interface ArrayIO {
  read(backend: unknown, t: tf.TensorInfo): ArrayLike<number>;
  write(backend: unknown, shape: number[], values: Float32Array): tf.TensorInfo;
}

type Readable = { readSync(dataId: tf.DataId): unknown };
const read = (backend: unknown, t: tf.TensorInfo) =>
  (backend as Readable).readSync(t.dataId) as ArrayLike<number>;

/** The backends JS kernels run on, and how each reads and writes. */
export const arrayIO: Record<'cpu' | 'wasm', ArrayIO> = {
  cpu: {
    read,
    write: (backend, shape, values) =>
      (
        backend as { makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo }
      ).makeTensorInfo(shape, 'float32', values),
  },
  wasm: {
    // readSync copies out of the wasm heap; makeOutput with values copies into it.
    read,
    write: (backend, shape, values) =>
      (
        backend as {
          makeOutput(
            shape: number[],
            dtype: 'float32',
            offset: undefined,
            values: Float32Array,
          ): tf.TensorInfo;
        }
      ).makeOutput(shape, 'float32', undefined, values),
  },
};
