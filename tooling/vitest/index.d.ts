import type { UserConfig } from 'vitest/config';

export interface DiffeoVitestOptions {
  /** Node backends to run every test file on (default cpu and wasm). */
  backends?: ('cpu' | 'wasm')[];
  testTimeout?: number;
}

export function diffeoVitestConfig(options?: DiffeoVitestOptions): UserConfig;
