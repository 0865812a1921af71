import { describe, expect, it } from 'vitest';
import { ARCHS } from '../models.js';
import { figure, workload } from '../test-utils/report.js';
import type { BackendResult, WorkloadResult } from '../types.js';
import { selectWorkloads } from '../workloads/index.js';
import { interleave, interleavedItems, mergeBackendResults, mergeDetails } from './interleave.js';
import { requestFor } from './run-with-peer.js';

describe('interleaving ours and the peer', () => {
  const workloads = selectWorkloads(['train-step', 'time-to-quality']);
  const archs = ARCHS.filter((a) => a.id !== 'realnvp');

  it('takes the architectures one at a time where a workload measures them in turn', () => {
    const items = interleavedItems(workloads, archs);
    expect(items.map((i) => `${i.workload.name}${i.arch === undefined ? '' : ` ${i.arch.id}`}`)).toEqual([
      'train-step nsf',
      'train-step maf',
      'time-to-quality',
    ]);
    const request = { backend: 'wasm' as const, quick: true, archs: ['nsf', 'maf'] };
    expect(requestFor(request, items[1]!)).toEqual({ ...request, workloads: ['train-step'], archs: ['maf'] });
    // time-to-quality trains the NSF preset whatever the selection: the request keeps it.
    expect(requestFor(request, items[2]!)).toEqual({ ...request, workloads: ['time-to-quality'] });
  });

  it('runs each item on every side before the next: ours, peer, ours, peer', async () => {
    const log: string[] = [];
    const side = (name: string) => ({
      name,
      run: async (item: { workload: { name: string }; arch?: { id: string } }) => {
        await new Promise((resolve) => setTimeout(resolve, name === 'wasm' ? 5 : 0));
        log.push(`${name} ${item.workload.name}${item.arch ? ` ${item.arch.id}` : ''}`);
      },
    });
    await interleave(interleavedItems(workloads, archs), [
      side('wasm'),
      side('pytorch 1t'),
      side('pytorch 2t'),
    ]);
    expect(log).toEqual([
      'wasm train-step nsf',
      'pytorch 1t train-step nsf',
      'pytorch 2t train-step nsf',
      'wasm train-step maf',
      'pytorch 1t train-step maf',
      'pytorch 2t train-step maf',
      'wasm time-to-quality',
      'pytorch 1t time-to-quality',
      'pytorch 2t time-to-quality',
    ]);
  });

  it("merges one backend's items into one result per workload", () => {
    const part = (workloads: WorkloadResult[], wallS: number): BackendResult => ({
      backend: 'wasm',
      runtime: { runtime: 'node', version: 'v20', cores: 2 },
      reported: { name: 'wasm', prod: false },
      wallS,
      workloads,
    });
    const nsf = workload('train-step', [figure('train-step/nsf/b128/steps-per-s', 50)], {
      parameters: { nsf: 289_464 },
      batches: [128, 1024],
    });
    const maf = workload('train-step', [figure('train-step/maf/b128/steps-per-s', 60)], {
      parameters: { maf: 267_792 },
      batches: [128, 1024],
    });
    maf.memory = { ...maf.memory, tensorsGrown: 2, bytesGrown: 8, peakProcessBytes: 300 };
    maf.error = 'RangeError: late';
    const ttq = workload('time-to-quality', [figure('time-to-quality/nsf/nll', 3.5, 'lower', 'nats')]);
    const merged = mergeBackendResults([part([nsf], 2), part([maf], 3), part([ttq], 4)]);
    expect(merged.wallS).toBe(9);
    expect(merged.workloads.map((w) => w.name)).toEqual(['train-step', 'time-to-quality']);
    const steps = merged.workloads[0]!;
    expect(steps.figures.map((f) => f.id)).toEqual([
      'train-step/nsf/b128/steps-per-s',
      'train-step/maf/b128/steps-per-s',
    ]);
    expect(steps.details).toEqual({ parameters: { nsf: 289_464, maf: 267_792 }, batches: [128, 1024] });
    expect(steps.wallS).toBe(2);
    // A leak in one part is a leak of the whole; the peak is the larger one.
    expect(steps.memory).toMatchObject({ tensorsGrown: 2, bytesGrown: 8, peakProcessBytes: 100 * 2 ** 20 });
    expect(steps.error).toBe('RangeError: late');
    expect(merged.workloads[1]!.figures).toHaveLength(1);
    expect(() => mergeBackendResults([])).toThrow(/at least one/);
  });

  it('merges details: objects key by key, everything else the later value', () => {
    expect(mergeDetails({ a: { x: 1 }, b: 1, c: [1] }, { a: { y: 2 }, b: 2, c: [2] })).toEqual({
      a: { x: 1, y: 2 },
      b: 2,
      c: [2],
    });
    expect(mergeDetails(undefined, { b: 1 })).toEqual({ b: 1 });
    expect(mergeDetails(undefined, undefined)).toBeUndefined();
  });
});
