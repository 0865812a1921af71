// The one place that knows how the project starts Chromium: the bench's browser backends, the
// demo's tests and the pack test's production builds all launch it from here.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Debian's chromium (playwright-core cannot download browsers here), or the one CHROMIUM_PATH names. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless without a sandbox (containers), no network chatter (without a network Chromium keeps
 * retrying), WebGL on SwiftShader through ANGLE, and precise `performance.memory` figures (the
 * bench reports them).
 */
export const CHROMIUM_ARGS = Object.freeze([
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
]);

/** Throws, with the command that installs it, when there is no Chromium at `executablePath`. */
export function checkChromium(executablePath = CHROMIUM_PATH, hint) {
  if (existsSync(executablePath)) return;
  throw new Error(
    `Chromium not found at ${executablePath}: install Debian's chromium ` +
      '(`apt-get update && apt-get install -y chromium`, or run `node tooling/setup/setup.mjs` from the ' +
      'repository root, which installs it as root or prints the command), or set CHROMIUM_PATH' +
      (hint === undefined ? '' : `; ${hint}`),
  );
}

/** A headless Chromium with {@link CHROMIUM_ARGS}, after {@link checkChromium}. */
export async function launchChromium(options = {}) {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  checkChromium(executablePath, options.hint);
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
}
