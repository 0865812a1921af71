import { describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, checkChromium, launchChromium } from './index.js';

describe('@diffeo/chromium', () => {
  it('names the missing path, the install command, CHROMIUM_PATH and the caller hint', async () => {
    const missing = '/nonexistent/chromium';
    expect(() => checkChromium(missing)).toThrow(
      /^Chromium not found at \/nonexistent\/chromium: install Debian's chromium \(`apt-get update && apt-get install -y chromium`.*or set CHROMIUM_PATH$/,
    );
    await expect(
      launchChromium({ executablePath: missing, hint: 'or pass --chromium PATH' }),
    ).rejects.toThrow(/or set CHROMIUM_PATH; or pass --chromium PATH$/);
  });

  it('launches headless Chromium with WebGL on SwiftShader', async () => {
    expect(CHROMIUM_ARGS).toContain('--no-sandbox');
    const browser = await launchChromium();
    try {
      expect(browser.version()).toMatch(/^\d+\./);
      const page = await browser.newPage();
      const renderer = await page.evaluate(() => {
        const gl = document.createElement('canvas').getContext('webgl');
        const info = gl?.getExtension('WEBGL_debug_renderer_info');
        return gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : 'no webgl';
      });
      expect(renderer).toMatch(/SwiftShader/i);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
