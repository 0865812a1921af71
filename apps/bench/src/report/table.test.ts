import { describe, expect, it } from 'vitest';
import { report, wasmResult } from '../test-utils/report.js';
import { analysisRows } from './analysis.js';
import { formatBytes, formatNumber, formatValue, renderTable } from './format.js';
import { GOALS, goalRows } from './goals.js';
import { renderReport } from './table.js';

describe('report', () => {
  it('formats numbers, bytes and tables', () => {
    expect(formatNumber(75_312.4)).toBe('75,312');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(0.012345)).toBe('0.0123');
    expect(formatValue(3.5311, 'nats')).toBe('3.531');
    expect(formatValue(0.4567, 'share')).toBe('45.7%');
    expect(formatBytes(3 * 2 ** 20)).toBe('3.0 MB');
    expect(formatBytes(-512)).toBe('-512 B');
    expect(
      renderTable(
        ['a', 'b'],
        [
          ['x', '1'],
          ['yy', '22'],
        ],
      ),
    ).toBe('a    b\n--  --\nx    1\nyy  22');
  });

  it('holds the wasm figures against the PyTorch goals', () => {
    const rows = goalRows([wasmResult({ b128: 66, b1024: 10.5 })], false);
    expect(rows).toHaveLength(GOALS.length);
    const b128 = rows.find((r) => r.what === 'NSF train step, batch 128')!;
    expect(b128).toMatchObject({ reference: 55, target: 60, diffeo: 66, met: true });
    expect(b128.ratio).toBeCloseTo(66 / 55, 12);
    const b1024 = rows.find((r) => r.what === 'NSF train step, batch 1024')!;
    expect(b1024).toMatchObject({ ratio: 0.5, met: false });
    const nll = rows.find((r) => r.unit === 'nats')!;
    // Lower is better: the ratio is reference / Diffeo.
    expect(nll.ratio).toBeCloseTo(3.52 / 3.6, 12);
    expect(nll.met).toBe(false);
    expect(rows.find((r) => r.what === 'NSF logProb')).toMatchObject({
      diffeo: null,
      ratio: null,
      met: null,
    });
    // Quick runs are never judged.
    expect(goalRows([wasmResult({ b128: 66, b1024: 30 })], true).every((r) => r.met === null)).toBe(true);
  });

  it('splits the step time into fixed and per-sample parts', () => {
    // 100 steps/s at 128 (10 ms), 20 steps/s at 1024 (50 ms): 40 ms for 896 samples.
    const [row] = analysisRows([wasmResult({ b128: 100, b1024: 20 })]);
    const perSample = 40 / 896;
    expect(row).toMatchObject({ backend: 'wasm', arch: 'nsf', smallBatch: 128, largeBatch: 1024 });
    expect(row!.fixedMs).toBeCloseTo(10 - 128 * perSample, 10);
    expect(row!.fixedShareSmall).toBeCloseTo((10 - 128 * perSample) / 10, 10);
    expect(row!.perSampleRatio).toBeCloseTo(10 / 128 / (50 / 1024), 10);
  });

  it('renders the machine, every figure per backend, memory, goals and the analysis', () => {
    const r = report([wasmResult({ b128: 100, b1024: 20 })]);
    r.goals = goalRows(r.backends, false);
    r.analysis = analysisRows(r.backends);
    const text = renderReport(r);
    expect(text).toContain('Machine: Test CPU, 2 cores');
    expect(text).toContain('SIMD on, threads off');
    expect(text).toMatch(/train-step\/nsf\/b128\/steps-per-s \[steps\/s\]\s+100 ±10%/);
    expect(text).toMatch(/train-step\s+\+0 t, 0 B, peak 100\.0 MB/);
    expect(text).toMatch(/NSF train step, batch 128\s+steps\/s\s+55\.0\s+>= 60\.0\s+100\s+1\.82x met/);
    expect(text).toMatch(/wasm\s+nsf\s+10\.0 \(b128\)\s+50\.0 \(b1024\)/);
  });
});
