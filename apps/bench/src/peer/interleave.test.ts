import { describe, expect, it } from 'vitest';
import { ARCHS, HIGH_DIM_ARCHS } from '../models.js';
import { planOf } from '../run-backend.js';
import { settingsFor } from '../settings.js';
import { figure, workload } from '../test-utils/report.js';
import type { BackendResult, WorkloadResult } from '../types.js';
import { selectWorkloads } from '../workloads/index.js';
import { timeToQualityFigures } from '../workloads/time-to-quality.js';
import {
  type Item,
  interleave,
  interleavedItems,
  itemName,
  mergeBackendResults,
  mergeDetails,
  mergePeerWorkloads,
  mergeWorkloadResults,
} from './interleave.js';
import { requestFor } from './run-with-peer.js';

describe('interleaving ours and the peer', () => {
  const workloads = selectWorkloads(['train-step', 'time-to-quality']);
  const archs = ARCHS.filter((a) => a.id !== 'realnvp');
  const settings = settingsFor(false, { ttqSeeds: 2 });

  it('takes the architectures one at a time where a workload measures them in turn, and the parts', () => {
    const items = interleavedItems(
      selectWorkloads(['train-step', 'time-to-quality', 'high-dim']),
      archs,
      settings,
    );
    expect(items.map(itemName)).toEqual([
      'train-step nsf',
      'train-step maf',
      'time-to-quality seed 0',
      'time-to-quality seed 1',
      ...HIGH_DIM_ARCHS.map((a) => `high-dim ${a.id}`),
    ]);
    const request = { backend: 'wasm' as const, quick: false, ttqSeeds: 2, archs: ['nsf', 'maf'] };
    expect(requestFor(request, items[1]!)).toEqual({ ...request, workloads: ['train-step'], archs: ['maf'] });
    // time-to-quality trains the NSF preset whatever the selection: the request keeps it.
    expect(requestFor(request, items[3]!)).toEqual({
      ...request,
      workloads: ['time-to-quality'],
      part: 'seed 1',
    });
    expect(requestFor(request, items[5]!)).toEqual({
      ...request,
      workloads: ['high-dim'],
      part: HIGH_DIM_ARCHS[1]!.id,
    });
    // A part's plan is its own share of the workload's.
    expect(planOf(requestFor(request, items[3]!))).toEqual(
      planOf({ ...request, workloads: ['time-to-quality'] }).filter((l) => l.includes('seed 1')),
    );
    expect(planOf(requestFor(request, items[4]!))).toEqual([
      `high-dim: ${HIGH_DIM_ARCHS[0]!.id} train step`,
      `high-dim: ${HIGH_DIM_ARCHS[0]!.id} logProb`,
    ]);
    expect(() => planOf({ ...request, workloads: ['high-dim'], part: 'maf-2' })).toThrow(
      /expected a part among/,
    );
  });

  it("combines time-to-quality's seeds run apart into the figures of all of them", () => {
    const training = (seed: number, nll: number, wallS: number) => ({
      seed,
      nll,
      standardError: 0.002,
      wallS,
      steps: 3000,
      firstTrainLoss: 5,
      finalTrainLoss: 3.5,
    });
    const part = (t: ReturnType<typeof training>) =>
      workload('time-to-quality', timeToQualityFigures([t]), {
        steps: 3000,
        parameters: { nsf: 289_464 },
        trainings: [t],
      });
    const merged = mergeWorkloadResults(part(training(0, 3.5, 30)), part(training(1, 3.6, 40)));
    const value = (id: string) => merged.figures.find((f) => f.id === id)?.value;
    expect(merged.figures).toHaveLength(timeToQualityFigures([training(0, 3.5, 30)]).length);
    expect(value('time-to-quality/nsf/nll')).toBeCloseTo(3.55, 10);
    expect(value('time-to-quality/nsf/nll-seed-sd')).toBeCloseTo(Math.sqrt(0.005), 10);
    expect(value('time-to-quality/nsf/train-wall-s')).toBeCloseTo(35, 10);
    expect(merged.details).toMatchObject({ stepsTaken: 3000, parameters: { nsf: 289_464 } });
    expect((merged.details!.trainings as { seed: number }[]).map((t) => t.seed)).toEqual([0, 1]);
    // The peer's parts alike.
    const peer = mergePeerWorkloads(part(training(0, 3.5, 30)), part(training(1, 3.6, 40)));
    expect(peer.figures.find((f) => f.id === 'time-to-quality/nsf/nll')?.value).toBeCloseTo(3.55, 10);
  });

  it('runs each item on every side before the next: ours, peer, ours, peer', async () => {
    const log: string[] = [];
    const side = (name: string) => ({
      name,
      run: async (item: Item) => {
        await new Promise((resolve) => setTimeout(resolve, name === 'wasm' ? 5 : 0));
        log.push(`${name} ${itemName(item)}`);
      },
    });
    await interleave(interleavedItems(workloads, archs, settings), [
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
      'wasm time-to-quality seed 0',
      'pytorch 1t time-to-quality seed 0',
      'pytorch 2t time-to-quality seed 0',
      'wasm time-to-quality seed 1',
      'pytorch 1t time-to-quality seed 1',
      'pytorch 2t time-to-quality seed 1',
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
