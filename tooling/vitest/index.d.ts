import type { UserConfig } from 'vitest/config';

export interface DiffeoVitestOptions {
  /** Node backends to run every test file on (default cpu and wasm). */
  backends?: ('cpu' | 'wasm')[];
  testTimeout?: number;
  /** Test files (globs) that do not depend on the backend: they run once, in a `node` project. */
  once?: string[];
  /** Training tests that run on the wasm backend only (cpu is 10-15x slower for flows). */
  wasmOnly?: string[];
}

export function diffeoVitestConfig(options?: DiffeoVitestOptions): UserConfig;
