import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { checkWebglPrecision, useBackend } from './backend.js';
import { BackendError } from './errors.js';

describe('useBackend', () => {
  it('selects the backend and reports what it got', async () => {
    const name = process.env.DIFFEO_BACKEND as 'cpu' | 'wasm';
    const info = await useBackend(name);
    expect(info.name).toBe(name);
    expect(tf.getBackend()).toBe(name);
    if (name === 'wasm') expect(info.wasm).toEqual({ simd: true, threads: false });
  });

  it('refuses an unknown backend and keeps the current one', async () => {
    const current = tf.getBackend();
    await expect(useBackend('gpu' as 'cpu')).rejects.toThrow(BackendError);
    await expect(useBackend('gpu' as 'cpu')).rejects.toThrow(/expected 'cpu', 'wasm' or 'webgl', got 'gpu'/);
    expect(tf.getBackend()).toBe(current);
  });

  it('fails with BackendError where webgl cannot start (Node)', async () => {
    const current = tf.getBackend();
    await expect(useBackend('webgl')).rejects.toThrow(BackendError);
    expect(tf.getBackend()).toBe(current);
  });
});

describe('checkWebglPrecision', () => {
  it('accepts float32 render targets', () => {
    expect(() => checkWebglPrecision({ float32RenderTargets: true, forceF16Textures: false })).not.toThrow();
  });
  it('refuses 16-bit textures with the reason', () => {
    for (const flags of [
      { float32RenderTargets: false, forceF16Textures: false },
      { float32RenderTargets: true, forceF16Textures: true },
    ]) {
      expect(() => checkWebglPrecision(flags)).toThrow(BackendError);
      expect(() => checkWebglPrecision(flags)).toThrow(
        /16-bit float textures .* log-densities would be wrong/,
      );
    }
  });
});
