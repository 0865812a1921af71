import { describe, expect, it } from 'vitest';
import { runWorkloads } from '../harness.js';
import { ARCHS } from '../models.js';
import { settingsFor } from '../settings.js';
import { fitOverlapWorkload } from './fit-overlap.js';

describe('fit-overlap', () => {
  it('times fit, the read-back-every-step loop and the unguarded loop, leaving nothing behind', async () => {
    const realnvp = ARCHS.find((a) => a.id === 'realnvp')!;
    const [result] = await runWorkloads([fitOverlapWorkload], {
      backend: process.env.DIFFEO_BACKEND === 'wasm' ? 'wasm' : 'cpu',
      settings: settingsFor(true),
      archs: [realnvp],
      platform: { runtime: 'node', processBytes: () => process.memoryUsage.rss() },
    });
    expect(result!.error).toBeUndefined();
    expect(result!.figures.map((f) => f.id)).toEqual([
      'fit-overlap/realnvp/b8/fit/steps-per-s',
      'fit-overlap/realnvp/b8/read-back-each-step/steps-per-s',
      'fit-overlap/realnvp/b8/unguarded/steps-per-s',
    ]);
    for (const f of result!.figures) {
      expect(f.value).toBeGreaterThan(0);
      expect(f.spread?.n).toBe(2);
    }
    expect(result!.memory).toMatchObject({ tensorsGrown: 0, bytesGrown: 0 });
  });
});
