import type * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs's wasm backend that a JS kernel needs to work on its heap directly. */
export interface WasmHeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** The wasm backend handed to a kernel function, typed for heap access. */
export function heapOf(backend: unknown): WasmHeapBackend {
  return backend as WasmHeapBackend;
}
