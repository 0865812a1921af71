import { describe, expect, it } from 'vitest';
import { figure, peerRun, report, wasmResult } from '../test-utils/report.js';
import { compareReports, renderComparison } from './compare.js';

describe('compareReports', () => {
  it('gives the ratio of every common figure and judges it against the noise', () => {
    const before = report([wasmResult({ b128: 10, b1024: 4 })]);
    const after = report([wasmResult({ b128: 20, b1024: 4.1 })]);
    const rows = compareReports(before, after);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get('train-step/nsf/b128/steps-per-s')).toMatchObject({
      previous: 10,
      current: 20,
      ratio: 2,
      verdict: 'better',
    });
    // 2.5% change inside a +-10% spread.
    expect(byId.get('train-step/nsf/b1024/steps-per-s')?.verdict).toBe('same');
    // Memory peaks are compared too.
    expect(byId.get('memory/train-step/peak-process-bytes')?.ratio).toBe(1);
  });

  it("compares the peer's figures too, per thread count, and reads reports without peers", () => {
    const before = report([wasmResult({ b128: 10, b1024: 4 })]);
    before.peers = [peerRun(1, [figure('train-step/nsf/b128/steps-per-s', 80)])];
    const after = report([wasmResult({ b128: 10, b1024: 4 })]);
    after.peers = [peerRun(1, [figure('train-step/nsf/b128/steps-per-s', 40)])];
    const row = compareReports(before, after).find((r) => r.backend === 'pytorch 1t')!;
    expect(row).toMatchObject({ id: 'train-step/nsf/b128/steps-per-s', ratio: 0.5, verdict: 'worse' });
    const formatOne = { ...before, format: 1 } as Partial<typeof before>;
    delete formatOne.peers;
    expect(compareReports(formatOne as typeof before, after).some((r) => r.backend === 'pytorch 1t')).toBe(
      false,
    );
  });

  it('a higher value of a lower-is-better figure is worse', () => {
    const before = report([wasmResult({ b128: 10, b1024: 4 })]);
    const slower = wasmResult({ b128: 10, b1024: 4 });
    slower.workloads[1]!.figures[0] = figure('time-to-quality/nsf/nll', 4.5, 'lower', 'nats');
    const row = compareReports(before, report([slower])).find((r) => r.id === 'time-to-quality/nsf/nll')!;
    expect(row.ratio).toBeCloseTo(4.5 / 3.6, 12);
    expect(row.verdict).toBe('worse');
  });

  it('renders a table, warns about quick against full, and says when nothing matches', () => {
    const before = report([wasmResult({ b128: 10, b1024: 4 })], true);
    const after = report([wasmResult({ b128: 12, b1024: 4 })]);
    const text = renderComparison(before, after, compareReports(before, after));
    expect(text).toContain('one run is quick and the other full');
    expect(text).toMatch(
      /wasm\s+train-step\/nsf\/b128\/steps-per-s\s+steps\/s\s+10\.0\s+12\.0\s+1\.20x\s+better/,
    );
    expect(renderComparison(before, report([]), [])).toContain('no figure in common');
  });

  it('warns when the processors differ under one name, not when a run lacks the processor', () => {
    const text = (before: ReturnType<typeof report>, after: ReturnType<typeof report>) =>
      renderComparison(before, after, compareReports(before, after));
    const zen3 = report([wasmResult({ b128: 10, b1024: 4 })]);
    zen3.machine.cpuId = 'AuthenticAMD family 25 model 1: avx avx2 fma';
    const zen4 = report([wasmResult({ b128: 10, b1024: 4 })]);
    zen4.machine.cpuId = 'AuthenticAMD family 25 model 17: avx avx2 fma avx512f';
    expect(text(zen3, zen4)).toContain(
      'warning: different machines (Test CPU (AuthenticAMD family 25 model 1: avx avx2 fma), 2 cores -> ' +
        'Test CPU (AuthenticAMD family 25 model 17: avx avx2 fma avx512f), 2 cores)',
    );
    expect(text(zen4, zen4)).not.toContain('different machines');
    expect(text(report([wasmResult({ b128: 10, b1024: 4 })]), zen4)).not.toContain('different machines');
  });
});
