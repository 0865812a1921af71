import type * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';

/** The Emscripten module inside tfjs's wasm backend: its memory and allocator. */
interface WasmModule {
  asm?: { memory?: WebAssembly.Memory };
  /** The threaded build creates its (shared) memory in JS and keeps it here. */
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** The parts of tfjs's wasm backend that a JS kernel needs to work on its heap directly. */
export interface WasmHeapBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** The wasm backend handed to a kernel function, typed for heap access. */
export function heapOf(backend: unknown): WasmHeapBackend {
  return backend as WasmHeapBackend;
}

/** The backend's linear memory (shared in the threaded build). */
export function memoryOf(heap: WasmHeapBackend): WebAssembly.Memory {
  const memory = heap.wasm.asm?.memory ?? heap.wasm.wasmMemory;
  if (memory === undefined) {
    throw new BackendError(
      "wasm: the backend's WebAssembly.Memory is not reachable (another tfjs-backend-wasm build?)",
    );
  }
  return memory;
}

/** Byte address of a tensor's data on the heap. */
export function pointerOf(heap: WasmHeapBackend, t: tf.TensorInfo): number {
  const data = heap.dataIdMap.get(t.dataId);
  if (data === undefined) throw new BackendError('wasm: tensor data not found on the heap (disposed?)');
  return data.memoryOffset;
}

/** Runs `fn` with `bytes` of scratch memory on the heap, freed afterwards whatever `fn` does. */
export function withScratch<T>(heap: WasmHeapBackend, bytes: number, fn: (pointer: number) => T): T {
  const pointer = heap.wasm._malloc(bytes);
  try {
    return fn(pointer);
  } finally {
    heap.wasm._free(pointer);
  }
}
