import type * as tf from '@tensorflow/tfjs-core';

/**
 * What a kernel written in plain JS needs from a backend whose data lives in CPU memory: read an
 * input as a typed array, make an output from one. Diffeo's fused kernels (the spline, Adam) are
 * registered for the backends listed in {@link arrayIO}; on any other backend the kernel is not
 * registered and the caller falls back to ordinary ops.
 */
export interface ArrayIO {
  /** The values of `t`. On wasm a view of the heap that a later `write` may invalidate: read first. */
  read(backend: unknown, t: tf.TensorInfo): ArrayLike<number>;
  write(backend: unknown, shape: number[], values: Float32Array): tf.TensorInfo;
}

/** The backends JS kernels run on, and how each reads and writes. */
export const arrayIO: Record<'cpu' | 'wasm', ArrayIO> = {
  cpu: {
    read: (backend, t) =>
      (backend as { readSync(dataId: tf.DataId): unknown }).readSync(t.dataId) as ArrayLike<number>,
    write: (backend, shape, values) =>
      (
        backend as { makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo }
      ).makeTensorInfo(shape, 'float32', values),
  },
  wasm: {
    // A view of the wasm heap, no copy: valid until the backend next allocates (a growing heap
    // detaches it), so a kernel reads all it needs before its first write.
    read: (backend, t) =>
      (backend as { typedArrayFromHeap(t: tf.TensorInfo): ArrayLike<number> }).typedArrayFromHeap(t),
    // makeOutput with values copies them into the heap.
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
