import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { save, useBackend } from '@diffeo/core';
import { toTensors } from '@diffeo/datasets';
import { nsf } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadData } from '../src/worker/load-data.js';
import { collectErrors, openDemo } from './browser.js';
import {
  badCsvError,
  countMarks,
  finishedLosses,
  REPORTED,
  reportedNll,
  saveThenLoad,
  screenshot,
} from './page.js';

let demo: Awaited<ReturnType<typeof openDemo>>;
beforeAll(async () => {
  demo = await openDemo();
});
afterAll(async () => {
  await demo?.close();
});

/** The flow each backend trains: the default NSF on wasm, a smaller one on SwiftShader's slow webgl. */
const FLOW = {
  wasm: {},
  webgl: { numTransforms: '2', hiddenFeatures: '32', numBlocks: '1' },
} as const;

describe.each(['wasm', 'webgl'] as const)('density mode on %s', (backend) => {
  it('trains an NSF on the checkerboard: the loss falls, every plot is drawn, save then load gives the same likelihood', async () => {
    const page = await demo.browser.newPage();
    const errors = collectErrors(page);
    // wasm: the page as a person opens it, training its default at once; webgl: a smaller flow first
    const small = Object.entries(FLOW[backend]);
    await page.goto(`${demo.url}?backend=${backend}&steps=200${small.length > 0 ? '&autostart=0' : ''}`);
    await expect
      .poll(() => page.textContent('#backend-info'), { timeout: 60_000 })
      .toMatch(REPORTED[backend]);
    if (small.length > 0) {
      for (const [field, value] of small) await page.fill(`#model-${field}`, value);
      await page.click('#train');
    }
    const { first, last } = await finishedLosses(page);
    expect(last).toBeLessThan(first - 0.3);
    expect(await page.textContent('#status')).toContain('200 steps, completed');
    // a point per sample and data row, a cell per grid value, two curves
    expect(await countMarks(page, '#sample-plot', 'symbol')).toBeGreaterThan(1000);
    expect(await countMarks(page, '#density-plot', 'rect')).toBe(64 * 64);
    expect(await countMarks(page, '#loss-plot', 'line')).toBe(2);
    await screenshot(page, `density-${backend}`);

    const { saved, loaded } = await saveThenLoad(page);
    expect(Number.isFinite(saved)).toBe(true);
    expect(loaded).toBe(saved);
    expect(await page.textContent('#error')).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('models and data from outside the page', () => {
  it('a model saved in Node loads in the page with the same validation likelihood', async () => {
    await useBackend('cpu');
    const flow = nsf({
      dim: 2,
      kind: 'coupling',
      numTransforms: 2,
      hiddenFeatures: 16,
      tailBound: 4,
      seed: 3,
    });
    const dir = await mkdtemp(join(tmpdir(), 'demo-model-'));
    await save(flow, `file://${dir}`);
    const { validation } = await loadData({ kind: 'dataset', type: 'checkerboard', config: {} }, 0);
    const nodeNll = tf.tidy(() => -tf.mean(flow.logProb(toTensors(validation).x)).dataSync()[0]!);
    flow.dispose();

    const page = await demo.browser.newPage();
    await page.goto(`${demo.url}?backend=wasm&autostart=0`);
    await page.waitForSelector('#dataset');
    await page.setInputFiles('#upload', [join(dir, 'model.json'), join(dir, 'weights.bin')]);
    expect(Math.abs((await reportedNll(page, 'loaded')) - nodeNll)).toBeLessThan(2e-4);
    await page.close();
  });

  it('a bad CSV gives a message that names the row, and the page goes on', async () => {
    const page = await demo.browser.newPage();
    await page.goto(`${demo.url}?backend=wasm&autostart=0`);
    await page.waitForSelector('#dataset');
    expect(await badCsvError(page, 'dataset')).toMatch(/line 3|row 2/);
    expect(await page.textContent('#backend-info')).toMatch(/^wasm/);
    await page.close();
  });
});
