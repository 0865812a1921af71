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

/**
 * The B values and steps per B: small models on half-moons (whose loss falls within a hundred
 * steps; power data's stays flat for longer), fewer on SwiftShader's webgl, 5-10x slower than wasm.
 */
const RUN = {
  wasm: { auxDims: [0, 1, 2], steps: 200 },
  webgl: { auxDims: [0, 1], steps: 100 },
} as const;

/** The held-out estimate per B, as the table prints it. */
async function tableEstimates(page: Page): Promise<Map<number, string>> {
  const rows = await page.$$eval('#marg-table tbody tr', (trs) =>
    trs.map((tr) => [(tr as HTMLElement).dataset.auxDims, tr.children[1]?.textContent] as const),
  );
  return new Map(rows.map(([b, v]) => [Number(b), v ?? '']));
}

describe.each(['wasm', 'webgl'] as const)('marginalizing mode on %s', (backend) => {
  it('trains a flow per B, estimates each held-out likelihood, draws them, and saves the chosen B', async () => {
    const { auxDims, steps } = RUN[backend];
    const page = await demo.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${demo.url}?mode=marginalizing&backend=${backend}&steps=${steps}&autostart=0`);
    await expect
      .poll(() => page.textContent('#backend-info'), { timeout: 60_000 })
      .toMatch(REPORTED[backend]);
    expect(await page.inputValue('#dataset')).toBe('gaussian-power');
    await page.selectOption('#dataset', 'half-moons');
    await page.fill('#aux-dims', auxDims.join(', '));
    await page.fill('#importance-samples', '20');
    await page.fill('#marg-numBlocks', '2');
    await page.fill('#rate', '0.01');
    await page.click('#train');
    await expect
      .poll(() => page.textContent('#status'), { timeout: 120_000 })
      .toMatch(new RegExp(`^B = \\d \\(\\d of ${auxDims.length}\\): step`));

    const { first, last } = await finishedLosses(page);
    expect(last).toBeLessThan(first - 0.2);
    expect(await page.textContent('#status')).toContain(
      `B = ${auxDims.join(', ')}: ${steps} steps each, completed`,
    );

    // a row per B with a finite estimate, the best one picked for saving
    const estimates = await tableEstimates(page);
    expect([...estimates.keys()]).toEqual(auxDims);
    for (const v of estimates.values()) expect(Number.isFinite(Number(v))).toBe(true);
    const best = Number(await page.inputValue('#save-b'));
    expect(Math.max(...[...estimates.values()].map(Number))).toBe(Number(estimates.get(best)));

    // a loss curve and a point per B, every model's samples over the data, the best one's density
    const models = auxDims.length;
    await expect.poll(() => countMarks(page, '#marg-loss-plot', 'line')).toBe(models);
    await expect.poll(() => countMarks(page, '#marg-likelihood-plot', 'symbol')).toBe(models);
    expect(await countMarks(page, '#marg-sample-plot', 'symbol')).toBeGreaterThan(models * 1000);
    await expect.poll(() => countMarks(page, '#marg-density-plot', 'rect')).toBe(48 * 48);
    await screenshot(page, `marginalizing-${backend}`);

    // a save takes the B picked in #save-b, scored as in the table
    await page.selectOption('#save-b', '0');
    await page.click('#save');
    const nll0 = (-Number(estimates.get(0))).toFixed(4);
    await expect
      .poll(() => page.textContent('#model-status'), { timeout: 60_000 })
      .toContain(`NLL ${nll0} nats`);
    // Clear the panel so that the next save's report is told apart from this one.
    await page.evaluate(() => {
      document.querySelector('#model-status')!.textContent = '';
    });
    await page.selectOption('#save-b', String(best));
    const { saved, loaded } = await saveThenLoad(page);
    expect(saved.toFixed(4)).toBe((-Number(estimates.get(best))).toFixed(4));
    expect(loaded).toBe(saved);
    // the loaded model is the only one in the table now, with the same estimate
    await expect.poll(async () => [...(await tableEstimates(page))]).toEqual([[best, estimates.get(best)]]);
    expect(await page.textContent('#error')).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('marginalizing mode, errors', () => {
  it('a bad CSV or a bad B list gives a message, and the page goes on', async () => {
    const page = await demo.browser.newPage();
    await page.goto(`${demo.url}?mode=marginalizing&backend=wasm&autostart=0`);
    await page.waitForSelector('#aux-dims');
    await page.fill('#aux-dims', '0, -1');
    await page.click('#train');
    await expect
      .poll(() => page.textContent('#error'))
      .toContain("B values: expected integers from 0 to 16, got '-1'");
    await page.fill('#aux-dims', '0,2');
    expect(await badCsvError(page, 'dataset')).toMatch(/line 3|row 2/);
    expect(await page.textContent('#backend-info')).toMatch(/^wasm/);
    await page.close();
  });
});
