import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** `pnpm screenshots` sets DEMO_SCREENSHOTS to the folder the README's screenshots live in. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const folder = process.env.DEMO_SCREENSHOTS;
  if (folder !== undefined)
    await page.screenshot({ path: join(import.meta.dirname, '..', folder, `${name}.png`), fullPage: true });
}

export const count = (page: Page, selector: string) => page.locator(selector).count();

/**
 * The items a plot draws for its data: `symbol` (circles and line points), `rect` (cells), `line`
 * (one path per series), by Vega's mark classes (renderSvg hides them from screen readers, so they
 * carry no labels).
 */
export const countMarks = (page: Page, plot: string, mark: 'symbol' | 'rect' | 'line') =>
  count(page, `${plot} svg g.mark-${mark}.role-mark > path`);

/** The validation NLL the model panel reports after a save or a load. */
export async function reportedNll(page: Page, event: 'saved' | 'loaded'): Promise<number> {
  await expect.poll(() => page.textContent('#model-status'), { timeout: 120_000 }).toContain(event);
  return Number(/validation NLL (-?[\d.]+) nats/.exec((await page.textContent('#model-status')) ?? '')?.[1]);
}

/** Waits for the run to finish and returns the first and last training loss the page reported. */
export async function finishedLosses(
  page: Page,
  timeout = 900_000,
): Promise<{ first: number; last: number }> {
  await page.waitForSelector('#status[data-state="done"]', { timeout });
  return {
    first: Number(await page.getAttribute('#progress', 'data-first-loss')),
    last: Number(await page.getAttribute('#progress', 'data-last-loss')),
  };
}

/** What the backend panel must say for each backend (what the backend itself reported). */
export const REPORTED: Record<'wasm' | 'webgl', RegExp> = {
  wasm: /^wasm: SIMD on, threads (on \(\d+\)|off)/,
  webgl: /^webgl: WebGL 2, float32 render targets yes/,
};

/** Saves the trained model in IndexedDB, loads it back, and returns both reported NLLs. */
export async function saveThenLoad(page: Page): Promise<{ saved: number; loaded: number }> {
  await page.click('#save');
  const saved = await reportedNll(page, 'saved');
  await page.click('#load');
  const loaded = await reportedNll(page, 'loaded');
  return { saved, loaded };
}

/** Uploads a CSV with a bad cell as the data of the picker `id`, starts training, and returns the error shown. */
export async function badCsvError(page: Page, id: string): Promise<string> {
  await page.selectOption(`#${id}`, 'csv');
  await page.setInputFiles(`#${id}-csv`, {
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('a,b\n1,2\n3,oops\n'),
  });
  await page.click('#train');
  await expect.poll(() => page.textContent('#error'), { timeout: 30_000 }).not.toBe('');
  return (await page.textContent('#error')) ?? '';
}
