import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors, openDemo } from './browser.js';
import { badCsvError, countMarks, finishedLosses, REPORTED, saveThenLoad, screenshot } from './page.js';

let demo: Awaited<ReturnType<typeof openDemo>>;
beforeAll(async () => {
  demo = await openDemo();
});
afterAll(async () => {
  await demo?.close();
});

/** Per phase of the run: its first and last training loss, as the page records them. */
async function phaseLosses(page: Page): Promise<Record<string, [number, number]>> {
  return JSON.parse((await page.getAttribute('#f4f-loss-plot', 'data-losses')) ?? '{}');
}

/** What `#f4f-metrics` says about the map: mean translations and the held-out NLL at map step 0 and now. */
async function metrics(page: Page): Promise<Record<'f4f' | 'transfer' | 'heldOutStart' | 'heldOut', number>> {
  const read = async (name: string) => Number(await page.getAttribute('#f4f-metrics', `data-${name}`));
  return {
    f4f: await read('f4f'),
    transfer: await read('transfer'),
    heldOutStart: await read('held-out-start'),
    heldOut: await read('held-out'),
  };
}

/** Opens the mode without starting, so a test can set its controls first. */
async function openMode(page: Page, backend: 'wasm' | 'webgl', steps: number): Promise<void> {
  await page.goto(`${demo.url}?mode=flows4flows&backend=${backend}&steps=${steps}&autostart=0`);
  await expect.poll(() => page.textContent('#backend-info'), { timeout: 60_000 }).toMatch(REPORTED[backend]);
  await page.waitForSelector('#setup');
}

// The small flows on wasm; the tiny ones on webgl, which runs on SwiftShader here (several times slower).
const SETTINGS = {
  wasm: { architecture: 'small', steps: 100 },
  webgl: { architecture: 'tiny', steps: 40 },
} as const;

describe.each(['wasm', 'webgl'] as const)('flows-for-flows mode on %s', (backend) => {
  it('trains two base flows then the map from four circles to the checkerboard: every phase learns, the map moves points less than the base transfer, save then load gives the same likelihood', async () => {
    const { architecture, steps } = SETTINGS[backend];
    const page = await demo.browser.newPage();
    const errors = collectErrors(page);
    await openMode(page, backend, steps);
    await page.selectOption('#f4f-arch', architecture);
    await page.click('#train');
    await finishedLosses(page);
    expect(await page.textContent('#status')).toContain(`map (3/3), ${steps} steps, completed`);

    const losses = await phaseLosses(page);
    expect(Object.keys(losses)).toEqual(['left base flow (1/3)', 'right base flow (2/3)', 'map (3/3)']);
    for (const [first, last] of Object.values(losses).slice(0, 2)) expect(last).toBeLessThan(first - 0.5);
    const [mapFirst, mapLast] = losses['map (3/3)']!;
    expect(mapLast).toBeLessThan(mapFirst);
    const m = await metrics(page);
    // The held-out NLL of the left rows falls from the map's start (the identity) ...
    expect(m.heldOut).toBeLessThan(m.heldOutStart - 0.05);
    // ... and the L1-weighted map moves points less than encoding with one base and decoding with the other.
    expect(m.f4f).toBeGreaterThan(0);
    expect(m.f4f).toBeLessThan(m.transfer);

    // 800 inputs, and in each of the two map panels 800 target rows under 800 images; a curve pair per phase
    expect(await countMarks(page, '#f4f-map-plot', 'symbol')).toBe(5 * 800);
    expect(await countMarks(page, '#f4f-loss-plot', 'line')).toBe(2 * 3);
    await screenshot(page, `flows4flows-${backend}`);

    const { saved, loaded } = await saveThenLoad(page);
    expect(Number.isFinite(saved)).toBe(true);
    expect(loaded).toBe(saved);
    expect(saved).toBeCloseTo(m.heldOut, 3);
    expect(await page.textContent('#error')).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('flows-for-flows mode, one set at two conditions', () => {
  it('trains a conditional map on the rotated four circles; the slider redraws it at another angle without training, and it saves and loads', async () => {
    const page = await demo.browser.newPage();
    const errors = collectErrors(page);
    await openMode(page, 'wasm', 60);
    await page.selectOption('#setup', 'conditional');
    expect(await page.isVisible('#left')).toBe(false);
    expect(await page.inputValue('#l1-weight')).toBe('0');
    await page.click('#train');
    await finishedLosses(page);
    expect(Object.keys(await phaseLosses(page))).toEqual(['conditional base flow (1/2)', 'map (2/2)']);
    expect(await page.textContent('#f4f-metrics')).toContain('at 0° → 30°');
    const at30 = await metrics(page);
    expect(at30.heldOut).toBeLessThan(at30.heldOutStart);
    const progress = await page.getAttribute('#progress', 'value');

    await page.fill('#condition', '1');
    await page.dispatchEvent('#condition', 'change');
    await expect.poll(() => page.textContent('#f4f-metrics'), { timeout: 30_000 }).toContain('at 0° → 45°');
    const at45 = await metrics(page);
    expect(await page.getAttribute('#status', 'data-state')).toBe('done');
    expect(await page.getAttribute('#progress', 'value')).toBe(progress);
    expect(at45.heldOut).toBe(at30.heldOut); // the same model: no training in between
    expect(at45.f4f).toBeGreaterThan(at30.f4f); // 45° moves points further than 30°
    expect(await countMarks(page, '#f4f-map-plot', 'symbol')).toBe(5 * 800);

    const { saved, loaded } = await saveThenLoad(page);
    expect(Number.isFinite(saved)).toBe(true);
    expect(loaded).toBe(saved);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a bad CSV on the left gives a message that names the row', async () => {
    const page = await demo.browser.newPage();
    await openMode(page, 'wasm', 20);
    expect(await badCsvError(page, 'left')).toMatch(/line 3|row 2/);
    expect(await page.textContent('#backend-info')).toMatch(/^wasm/);
    await page.close();
  });
});
