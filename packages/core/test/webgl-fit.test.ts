// fit's NaN guard on webgl, in headless Chromium (SwiftShader): the Node projects test cpu and
// wasm. The page (fixtures/webgl-fit-page.ts, bundled here with esbuild) trains a small Gaussian
// with a fault injected at a known step and reports what it saw.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@diffeo/chromium';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  history?: {
    steps: number;
    stepLosses: number[];
    stopReason: string;
    nonFinite?: { step: number; message: string };
  };
  error?: string;
  means: number[][];
  reported: { step: number; loss: number }[];
  final: number[];
  syncReads: number;
}

interface Report {
  backend: string;
  clean: Run;
  nan: Run;
  gradient: Run;
  divergence: Run;
  thrown: Run;
  leaked: number;
}

async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/webgl-fit-page.ts', import.meta.url))],
    absWorkingDir: pkg,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['diffeo-source'],
    // The wasm backend is imported on demand by useBackend('wasm') only; this page never asks for it.
    external: ['@tensorflow/tfjs-backend-wasm'],
    logLevel: 'error',
    logOverride: { 'ignored-bare-import': 'silent' },
  });
  return out.outputFiles[0]!.text;
}

/** Serves the page and its script on 127.0.0.1. */
async function serve(script: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/page.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end(script);
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

const close = (x: number[], y: number[] | undefined) => {
  expect(y).toBeDefined();
  x.forEach((v, i) => {
    expect(v).toBeCloseTo(y![i]!, 5);
  });
};

describe('fit on webgl (headless Chromium)', () => {
  let report: Report;
  let stop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const { url, server } = await serve(await bundle());
    const browser = await launchChromium();
    stop = async () => {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    };
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => 'webglFit' in window, undefined, { timeout: 30_000 });
    report = (await page.evaluate('window.webglFit()')) as Report;
    expect(errors).toEqual([]);
  }, 120_000);

  afterAll(() => stop());

  it('runs on webgl and trains the clean run to the end without a synchronous read-back', () => {
    expect(report.backend).toBe('webgl');
    const { clean } = report;
    expect(clean.history?.stopReason).toBe('completed');
    expect(clean.history?.stepLosses).toHaveLength(10);
    expect(clean.reported.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(clean.reported.map((r) => r.loss)).toEqual(clean.history?.stepLosses);
    expect(clean.history!.stepLosses[9]!).toBeLessThan(clean.history!.stepLosses[0]!);
    for (const r of [report.clean, report.nan, report.gradient, report.divergence, report.thrown]) {
      expect(r.syncReads).toBe(0);
    }
    expect(report.leaked).toBe(0);
  });

  it('stops at a NaN loss with the weights the step before it was evaluated at', () => {
    const { clean, nan } = report;
    expect(nan.history?.stopReason).toBe('non-finite');
    expect(nan.history?.nonFinite?.message).toBe(
      'step 7: loss NaN; training stopped and the last finite weights were restored',
    );
    expect(nan.history?.steps).toBe(6);
    expect(nan.reported.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    close(nan.history!.stepLosses, clean.history!.stepLosses.slice(0, 6));
    close(nan.final, clean.means[5]);
  });

  it('stops at a NaN gradient and at a divergence the same way', () => {
    const { clean, gradient, divergence } = report;
    expect(gradient.history?.nonFinite?.message).toBe(
      'step 4: gradient norm NaN; training stopped and the last finite weights were restored',
    );
    expect(gradient.history?.steps).toBe(3);
    close(gradient.final, clean.means[2]);
    expect(divergence.history?.nonFinite?.message).toMatch(
      /^step 5: loss [\d.]+ diverged \(the lowest so far was [\d.]+; limit divergence 10\)/,
    );
    expect(divergence.history?.steps).toBe(4);
    close(divergence.final, clean.means[3]);
  });

  it("throws with onNonFinite: 'throw' after restoring the weights", () => {
    const { clean, thrown } = report;
    expect(thrown.error).toBe(
      'fit: step 6: loss NaN; training stopped and the last finite weights were restored',
    );
    expect(thrown.reported.map((r) => r.step)).toEqual([1, 2, 3, 4, 5]);
    close(thrown.final, clean.means[4]);
  });
});
