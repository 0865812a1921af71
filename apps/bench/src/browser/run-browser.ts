import { existsSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM_PATH, checkChromium, launchChromium } from '@diffeo/chromium';
import type { Browser } from 'playwright-core';
import type { ProgressEvent } from '../harness.js';
import type { RunRequest } from '../run-backend.js';
import type { BackendResult } from '../types.js';
import './page-api.js';
import { bundleDir, startServer } from './server.js';

/** What else the bench's user can do when Chromium is missing. */
const HINT = 'or pass --chromium PATH, or leave webgl and browser-wasm out of --backends';

/** A headless Chromium and the static server, shared by the browser backends of one run. */
export interface BrowserSession {
  version: string;
  run(request: RunRequest, onProgress: (event: ProgressEvent) => void): Promise<BackendResult>;
  close(): Promise<void>;
}

/** Fails with the fix when Chromium or the bundle is missing. */
export function checkBrowserPrerequisites(executablePath: string): void {
  checkChromium(executablePath, HINT);
  if (!existsSync(path.join(bundleDir, 'bench.js'))) {
    throw new Error(
      `The browser bundle ${path.join(bundleDir, 'bench.js')} is missing: build the bench first ` +
        '(pnpm --filter @diffeo/bench build, or run `pnpm bench` from the repository root).',
    );
  }
}

/** Starts the server and Chromium. */
export async function openBrowser(executablePath = CHROMIUM_PATH): Promise<BrowserSession> {
  checkBrowserPrerequisites(executablePath);
  const server = await startServer();
  let browser: Browser;
  try {
    browser = await launchChromium({ executablePath, hint: HINT });
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    version: browser.version(),
    async run(request, onProgress) {
      // A fresh context per backend: its own page, JS heap and tfjs engine.
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        await page.exposeFunction('benchProgress', (event: ProgressEvent) => onProgress(event));
        await page.goto(server.url);
        await page
          .waitForFunction(() => 'diffeoBench' in window, undefined, { timeout: 30_000 })
          .catch(() => {
            throw new Error(
              `${request.backend}: the bench page did not load: ${errors.join('; ') || 'no error reported'}`,
            );
          });
        try {
          return await page.evaluate((r) => window.diffeoBench.run(r), request);
        } catch (e) {
          const extra = errors.length === 0 ? '' : ` (page errors: ${errors.join('; ')})`;
          throw new Error(`${request.backend}: ${(e as Error).message}${extra}`);
        }
      } finally {
        await context.close();
      }
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
