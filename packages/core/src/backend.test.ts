import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  checkWebglPrecision,
  guardNoBackend,
  initFailureMessage,
  NO_BACKEND_MESSAGE,
  useBackend,
} from './backend.js';
import { BackendError } from './errors.js';

describe('useBackend', () => {
  it('selects the backend and reports what it got', async () => {
    const name = process.env.DIFFEO_BACKEND as 'cpu' | 'wasm';
    const info = await useBackend(name);
    expect(info.name).toBe(name);
    expect(tf.getBackend()).toBe(name);
    if (name === 'wasm') expect(info.wasm).toEqual({ simd: true, threads: false, threadsCount: 1 });
  });

  it('refuses an unknown backend and keeps the current one', async () => {
    const current = tf.getBackend();
    await expect(useBackend('gpu' as 'cpu')).rejects.toThrow(BackendError);
    await expect(useBackend('gpu' as 'cpu')).rejects.toThrow(/expected 'cpu', 'wasm' or 'webgl', got 'gpu'/);
    expect(tf.getBackend()).toBe(current);
  });

  it('refuses a thread count out of range, or one the started wasm backend does not have', async () => {
    await expect(useBackend('wasm', { threads: 0 })).rejects.toThrow(
      /threads: expected an integer from 1 to 8, got 0/,
    );
    await useBackend('wasm');
    await expect(useBackend('wasm', { threads: 2 })).rejects.toThrow(
      /already runs with 1 thread\(s\) in this process; asked for 2/,
    );
    expect((await useBackend('wasm', { threads: 1 })).wasm?.threadsCount).toBe(1);
    await useBackend(process.env.DIFFEO_BACKEND as 'cpu' | 'wasm');
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

describe('guardNoBackend', () => {
  const fakeEngine = (names: string[]) => ({
    backendNames: () => names,
    getSortedBackends: () => {
      if (names.length === 0) throw new Error('No backend found in registry.');
      return [...names];
    },
  });

  it("replaces tfjs's 'No backend found' with a BackendError that names useBackend", () => {
    const engine = fakeEngine([]);
    guardNoBackend(engine);
    expect(() => engine.getSortedBackends()).toThrow(BackendError);
    expect(() => engine.getSortedBackends()).toThrow(NO_BACKEND_MESSAGE);
    expect(NO_BACKEND_MESSAGE).toMatch(/await useBackend\('wasm'\)/);
  });

  it('leaves a registry with backends alone, and wraps once', () => {
    const engine = fakeEngine(['cpu', 'wasm']);
    guardNoBackend(engine);
    guardNoBackend(engine);
    expect(engine.getSortedBackends()).toEqual(['cpu', 'wasm']);
  });

  it("is installed on tfjs's engine by importing @diffeo/core", () => {
    // The guard is an own property of the engine instance, in front of the class's method.
    expect(Object.hasOwn(tf.engine(), 'getSortedBackends')).toBe(true);
  });
});

describe('initFailureMessage', () => {
  it('names wasmPaths when wasm fails in a browser without them', () => {
    const message = initFailureMessage('wasm', {}, false);
    expect(message).toMatch(/^backend 'wasm': failed to initialise on this platform: /);
    expect(message).toMatch(/useBackend\('wasm', \{ wasmPaths: /);
    expect(message).toMatch(/Serving the wasm files/);
  });

  it('names the wasmPaths given when they did not work', () => {
    expect(initFailureMessage('wasm', { wasmPaths: '/static/' }, false)).toMatch(
      /check that wasmPaths \("\/static\/"\) serves the three \.wasm files/,
    );
  });

  it('says nothing about wasmPaths in Node or for other backends', () => {
    expect(initFailureMessage('wasm', {}, true)).toBe(
      "backend 'wasm': failed to initialise on this platform",
    );
    expect(initFailureMessage('webgl', {}, false)).toBe(
      "backend 'webgl': failed to initialise on this platform",
    );
  });
});
