import type { Browser } from 'playwright-core';

/** Debian's chromium (playwright-core cannot download browsers here), or the one CHROMIUM_PATH names. */
export const CHROMIUM_PATH: string;

/**
 * Headless without a sandbox (containers), no network chatter, WebGL on SwiftShader through ANGLE,
 * and precise `performance.memory` figures.
 */
export const CHROMIUM_ARGS: readonly string[];

/**
 * Throws, with the command that installs it, when there is no Chromium at `executablePath`
 * (default {@link CHROMIUM_PATH}); `hint` is appended to the message (what else the caller can do).
 */
export function checkChromium(executablePath?: string, hint?: string): void;

export interface LaunchChromiumOptions {
  /** Default {@link CHROMIUM_PATH}. */
  executablePath?: string;
  /** Appended to the message when Chromium is missing. */
  hint?: string;
}

/** A headless Chromium with {@link CHROMIUM_ARGS}, after {@link checkChromium}. */
export function launchChromium(options?: LaunchChromiumOptions): Promise<Browser>;
