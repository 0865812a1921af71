// The built package in the two environments vitest cannot stand in for: plain Node ESM and a
// browser bundle. Both need `pnpm build` first (turbo runs it before the tests).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string) => join(pkg, 'test', 'fixtures', name);
// d/da sum(sin(a) * a) = cos(a) * a + sin(a)
const expectedGrad = [0, 1, 2].map((a) => Math.cos(a) * a + Math.sin(a));
const expectGrad = (grad: number[]) => {
  for (const [i, g] of grad.entries()) expect(g).toBeCloseTo(expectedGrad[i]!, 5);
};

describe('the built package', () => {
  it('is built', () => {
    expect(existsSync(join(pkg, 'dist', 'index.js')), 'run `pnpm build` before the tests').toBe(true);
    expect(existsSync(join(pkg, 'dist', 'gradients.node.js'))).toBe(true);
  });

  it('trains, differentiates and saves in plain Node ESM on cpu and wasm', () => {
    const stdout = execFileSync(process.execPath, [fixture('plain-node.mjs'), 'cpu', 'wasm'], {
      cwd: pkg,
      encoding: 'utf8',
    });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    for (const backend of ['cpu', 'wasm']) {
      const r = out[backend];
      expectGrad(r.grad);
      expect(r.steps).toBe(80);
      // the shift converges to the data mean (3, -1) within sampling error (~0.06)
      expect(Math.abs(r.shift[0] - 3)).toBeLessThan(0.2);
      expect(Math.abs(r.shift[1] + 1)).toBeLessThan(0.2);
      expect(r.loaded).toEqual(r.shift);
    }
  });

  it('runs wasm with 2 threads in plain Node, gives cpu numbers, and exits by itself', () => {
    // The timeout catches pthread workers that would keep the process alive.
    const stdout = execFileSync(process.execPath, [fixture('wasm-threads.mjs')], {
      cwd: pkg,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out.info).toEqual({ simd: true, threads: true, threadsCount: 2 });
    expect(out.valueRelErr).toBeLessThan(1e-4);
    expect(out.gradMaxRelErr).toBeLessThan(1e-5);
  });

  it('registers gradients through a bundler (esbuild, browser conditions)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffeo-bundle-'));
    try {
      const outfile = join(dir, 'bundle.cjs');
      // 'neutral' adds no `node` condition; tfjs's own Node platform code requires builtins at run time.
      await build({
        entryPoints: [fixture('bundle-entry.mjs')],
        absWorkingDir: pkg,
        bundle: true,
        format: 'cjs',
        platform: 'neutral',
        mainFields: ['module', 'main'],
        external: [...builtinModules, 'node:*'],
        outfile,
        logLevel: 'error',
      });
      expect(readFileSync(outfile, 'utf8')).not.toContain('gradients.node');
      const stdout = execFileSync(process.execPath, [outfile], { encoding: 'utf8' });
      const { grad, sumGradientFills } = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expectGrad(grad);
      expect(sumGradientFills, "core's Sum gradient is in the bundle").toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
