import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_PATH, checkChromium, launchChromium } from '@diffeo/chromium';
import type { Browser, Page } from 'playwright-core';
import { preview } from 'vite';

export const CHROMIUM = CHROMIUM_PATH;

const root = fileURLToPath(new URL('..', import.meta.url));

/** The built demo served by `vite preview` (with its isolation headers) and a Chromium to open it. */
export async function openDemo(): Promise<{ url: string; browser: Browser; close(): Promise<void> }> {
  checkChromium();
  if (!existsSync(`${root}/dist/index.html`))
    throw new Error('apps/demo/dist is missing: run `pnpm --filter @diffeo/demo build` first');
  const server = await preview({ root, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'silent' });
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error('vite preview gave no address');
  const browser = await launchChromium();
  return {
    url,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Console errors and uncaught exceptions of a page, collected as they happen. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}
