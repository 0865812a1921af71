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

/** Steps of each run: SwiftShader's software WebGL is several times slower than wasm. */
const STEPS = { wasm: 300, webgl: 100 } as const;

const circles = (page: Page, plot: string) => countMarks(page, plot, 'symbol');
const cells = (page: Page, plot: string) => countMarks(page, plot, 'rect');

/** Clicks the data plot at a fraction of its plot area (from the top left). */
async function clickPlot(page: Page, u: number, v: number): Promise<void> {
  const area = page.locator('#mix-points-plot svg .role-frame.root > g > path.background');
  await area.scrollIntoViewIfNeeded();
  const box = await area.boundingBox();
  if (box === null) throw new Error('the data plot has no plot area');
  await page.mouse.click(box.x + u * box.width, box.y + v * box.height);
}

/**
 * Labels the data point nearest to a spot of the plot with a component other than its current
 * cluster (a first click says which cluster that is, a second one relabels the same point).
 */
async function labelAway(page: Page, u: number, v: number, k: number): Promise<void> {
  await page.selectOption('#label-class', '0');
  await clickPlot(page, u, v);
  const cluster = Number(await page.getAttribute('#label-last', 'data-cluster'));
  expect(cluster).toBeGreaterThanOrEqual(0);
  await page.selectOption('#label-class', String((cluster + 1) % k));
  await clickPlot(page, u, v);
  expect(await page.getAttribute('#label-last', 'data-label')).toBe(String((cluster + 1) % k));
}

describe.each(['wasm', 'webgl'] as const)('mixture mode on %s', (backend) => {
  it('clusters the pinwheel, draws Figure 6, trains with two clicked labels, and saves then loads the same likelihood', async () => {
    const page = await demo.browser.newPage();
    const errors = collectErrors(page);
    const steps = STEPS[backend];
    await page.goto(`${demo.url}?mode=mixtures&backend=${backend}&steps=${steps}`);
    await expect
      .poll(() => page.textContent('#backend-info'), { timeout: 60_000 })
      .toMatch(REPORTED[backend]);

    // Unsupervised: the negative ELBO falls, and every view is drawn.
    const { first, last } = await finishedLosses(page);
    expect(last).toBeLessThan(first - 0.5);
    expect(await page.textContent('#status')).toContain(`${steps} steps, completed`);
    // a cell per grid value under both point plots, a point per sample and per plotted row, two curves
    expect(await cells(page, '#mix-regions-plot')).toBe(50 * 50);
    expect(await cells(page, '#mix-points-plot')).toBe(50 * 50);
    expect(await circles(page, '#mix-regions-plot')).toBeGreaterThan(600); // of 800 samples
    expect(await circles(page, '#mix-points-plot')).toBeGreaterThan(1200);
    expect(await countMarks(page, '#mix-loss-plot', 'line')).toBe(2);
    const scores = /accuracy (\d\.\d+), ARI (-?\d\.\d+), NMI (\d\.\d+)/.exec(
      (await page.textContent('#mix-metrics')) ?? '',
    );
    expect(scores).not.toBeNull();
    // five wings in five components: better than the 0.2 of chance
    expect(Number(scores![1])).toBeGreaterThan(0.3);

    // Semi-supervised: two clicked points, each labelled with a component it is not in yet.
    await labelAway(page, 0.3, 0.3, 5);
    await labelAway(page, 0.7, 0.7, 5);
    await expect.poll(() => page.textContent('#label-count')).toBe('2 labelled points');
    expect(await circles(page, '#mix-points-plot')).toBeGreaterThan(1200 + 1);
    await page.click('#train-labels');
    await page.waitForSelector('#status[data-state="training"]');
    await page.waitForSelector('#status[data-state="done"]', { timeout: 600_000 });
    expect(await page.textContent('#status')).toMatch(
      /steps with 2 labelled points and 1024 unlabelled \(continuing the trained model\), completed/,
    );
    expect(await page.getAttribute('#label-agreement', 'data-total')).toBe('2');
    // the model now puts at least one of them in the component it was given
    expect(Number(await page.getAttribute('#label-agreement', 'data-agree'))).toBeGreaterThanOrEqual(1);
    await screenshot(page, `mixtures-${backend}`);

    const { saved, loaded } = await saveThenLoad(page);
    expect(Number.isFinite(saved)).toBe(true);
    expect(loaded).toBe(saved);
    expect(await page.textContent('#error')).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('mixture mode errors', () => {
  it('a bad CSV gives a message that names the row', async () => {
    const page = await demo.browser.newPage();
    await page.goto(`${demo.url}?mode=mixtures&backend=wasm&autostart=0`);
    await page.waitForSelector('#mix-data');
    expect(await badCsvError(page, 'mix-data')).toMatch(/line 3|row 2/);
    await page.close();
  });
});
