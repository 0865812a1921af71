import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import type { ProgressEvent } from '../harness.js';
import type { RunRequest } from '../run-backend.js';
import type { BackendResult } from '../types.js';
import './page-api.js';
import { bundleDir, startServer } from './server.js';

/** Debian's Chromium, which the project's scripts install (`.ci/run`). */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * The launch flags: headless without a sandbox (containers), no network chatter (the machine has
 * no network and Chromium keeps retrying otherwise), WebGL on SwiftShader through ANGLE, and
 * precise `performance.memory` figures.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--enable-precise-memory-info',
];

/** A headless Chromium and the static server, shared by the browser backends of one run. */
export interface BrowserSession {
  version: string;
  run(request: RunRequest, onProgress: (event: ProgressEvent) => void): Promise<BackendResult>;
  close(): Promise<void>;
}

/** Fails with the fix when Chromium or the bundle is missing. */
export function checkBrowserPrerequisites(executablePath: string): void {
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: the browser backends (webgl, browser-wasm) need Debian's chromium. ` +
        'Install it with `apt-get update && apt-get install -y chromium` (as .ci/run does), ' +
        'or pass --chromium PATH, or leave webgl and browser-wasm out of --backends.',
    );
  }
  if (!existsSync(path.join(bundleDir, 'bench.js'))) {
    throw new Error(
      `The browser bundle ${path.join(bundleDir, 'bench.js')} is missing: build the bench first ` +
        '(pnpm --filter @diffeo/bench build, or run `pnpm bench` from the repository root).',
    );
  }
}

/** Starts the server and Chromium. */
export async function openBrowser(executablePath = DEFAULT_CHROMIUM): Promise<BrowserSession> {
  checkBrowserPrerequisites(executablePath);
  const server = await startServer();
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
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
