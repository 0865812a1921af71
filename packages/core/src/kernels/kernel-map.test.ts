import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { installKernels, KERNELS, kernelTable } from './kernel-map.js';

const readme = fileURLToPath(new URL('../../README.md', import.meta.url));
const START = '<!-- kernel-table:start -->';
const END = '<!-- kernel-table:end -->';

describe('the kernel map', () => {
  it("has every kernel of this test's backend registered after useBackend", () => {
    const backend = tf.getBackend();
    const mine = KERNELS.filter((k) => k.backend === backend);
    expect(mine.length).toBeGreaterThan(0);
    expect(installKernels(backend as 'cpu' | 'wasm')).toBe(true);
    for (const k of mine) expect(tf.getKernel(k.kernelName, backend), k.kernelName).toBeDefined();
  });

  it('names each kernel once per backend, and a replacement only where tfjs has a stock kernel', () => {
    const keys = KERNELS.map((k) => `${k.backend}/${k.kernelName}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of KERNELS) {
      expect(k.kernelName.startsWith('Diffeo'), k.kernelName).toBe(!k.replaces);
    }
  });

  it("is the core README's kernel table", () => {
    const text = readFileSync(readme, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    expect(start, 'README.md: the kernel-table markers').toBeGreaterThan(0);
    const current = text.slice(start + START.length, end).trim();
    if (process.env.UPDATE_README === '1' && current !== kernelTable()) {
      writeFileSync(readme, `${text.slice(0, start + START.length)}\n${kernelTable()}\n${text.slice(end)}`);
      return;
    }
    expect(current, 'stale: run UPDATE_README=1 npx vitest run src/kernels/kernel-map.test.ts').toBe(
      kernelTable(),
    );
  });
});
