import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type Platform, runWorkloads, timeCalls } from './harness.js';
import { settingsFor } from './settings.js';
import type { Workload } from './workload.js';

const platform: Platform = { runtime: 'node', processBytes: () => process.memoryUsage.rss() };

describe('harness', () => {
  it('timeCalls warms up, then times repeats of enough calls to fill a sample', async () => {
    let calls = 0;
    const busy = () => {
      calls += 1;
      const end = performance.now() + 2;
      while (performance.now() < end) {}
    };
    // A sample would need 500 calls of 2 ms to last a second: capped at 3.
    const times = await timeCalls(busy, {
      warmup: 2,
      warmupS: 0,
      repeats: 4,
      minSampleS: 1,
      maxCallsPerSample: 3,
    });
    expect(times).toHaveLength(4);
    expect(calls).toBe(2 + 4 * 3);
    for (const t of times) expect(t).toBeGreaterThanOrEqual(0.0019);
    // Without a minimum duration, one call per sample.
    calls = 0;
    expect(
      await timeCalls(busy, { warmup: 1, warmupS: 0, repeats: 3, minSampleS: 0, maxCallsPerSample: 3 }),
    ).toHaveLength(3);
    expect(calls).toBe(1 + 3);
    // A warm-up of 50 ms: more calls than the one asked, until 50 ms have passed (not one 2 ms call
    // more), then the 3 timed. The 1 ms margins are the harness's own steps around the calls.
    const starts: number[] = [];
    const timedBusy = () => {
      starts.push(performance.now());
      busy();
    };
    await timeCalls(timedBusy, { warmup: 1, warmupS: 0.05, repeats: 3, minSampleS: 0, maxCallsPerSample: 3 });
    const firstTimed = starts.length - 3;
    expect(firstTimed).toBeGreaterThan(1);
    expect(starts[firstTimed]! - starts[0]!).toBeGreaterThan(49);
    expect(starts[firstTimed - 1]! - starts[0]!).toBeLessThan(51);
  });

  it('measures memory around each workload, reports a leak, and survives a failing workload', async () => {
    let leaked: tf.Tensor | undefined;
    const leaky: Workload = {
      name: 'leaky',
      description: 'keeps a tensor',
      perArch: false,
      plan: () => ['one'],
      async run(ctx) {
        await ctx.step('one');
        leaked = tf.ones([10]);
        return { figures: [{ id: 'leaky/x', label: 'x', value: 1, unit: 'u', better: 'none' }] };
      },
    };
    const failing: Workload = {
      name: 'failing',
      description: 'throws',
      perArch: false,
      plan: () => [],
      run: async () => {
        throw new RangeError('no luck');
      },
    };
    const events: string[] = [];
    const results = await runWorkloads([leaky, failing], {
      backend: 'cpu',
      settings: settingsFor(true),
      archs: [],
      platform,
      onProgress: (e) => {
        events.push(`${e.backend} ${e.workload} ${e.label}`);
      },
    });
    leaked?.dispose();
    expect(events).toEqual(['cpu leaky one']);
    expect(results[0]!.memory).toMatchObject({ tensorsGrown: 1, bytesGrown: 40 });
    expect(results[0]!.memory.peakProcessBytes).toBeGreaterThan(0);
    expect(results[0]!.figures).toHaveLength(1);
    expect(results[1]).toMatchObject({ name: 'failing', error: 'RangeError: no luck', figures: [] });
    expect(results[1]!.memory.tensorsGrown).toBe(0);
  });
});
