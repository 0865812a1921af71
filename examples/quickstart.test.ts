// The README's main job, shortened: the quickstart must run against the built packages and the
// flow must learn (held-out NLL below its value before training).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('trains a flow on the checkerboard and prints its held-out log-likelihood', () => {
  const out = execFileSync(process.execPath, ['quickstart.mjs'], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    env: { ...process.env, QUICKSTART_STEPS: '150' },
    encoding: 'utf8',
  });
  const before = Number(/before training: ([\d.]+)/.exec(out)?.[1]);
  const after = Number(/held-out NLL ([\d.]+) nats on 20,000 points/.exec(out)?.[1]);
  expect(before).toBeGreaterThan(6); // a standard normal on the [-4, 4]^2 checkerboard
  expect(after).toBeLessThan(before - 2);
  expect(out).toMatch(/stop reason: completed/);
});
