import { describe, expect, it } from 'vitest';
import { figure, peerRun, report, wasmResult, workload } from '../test-utils/report.js';
import { analysisRows, arithmeticRows, highDimArithmeticRows } from './analysis.js';
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

  it('without a peer run: our figures only, no ratio and nothing judged', () => {
    const rows = goalRows([wasmResult({ b128: 66, b1024: 10.5 })], [], false);
    expect(rows).toHaveLength(GOALS.length);
    for (const row of rows) {
      expect(row).toMatchObject({ peer: null, peerBest: null, versus: null, versusBest: null, met: null });
      expect(row.note).toMatch(/no peer/);
    }
    expect(rows.find((r) => r.what === 'NSF train step, batch 128')!.diffeo).toBe(66);
    expect(rows.find((r) => r.what === 'NSF logProb')!.diffeo).toBeNull();

    const r = report([wasmResult({ b128: 66, b1024: 10.5 })]);
    r.goals = rows;
    const text = renderReport(r);
    expect(text).toContain('This run has no peer (add --peer pytorch)');
    const goalLines = text.split('\n').filter((l) => l.startsWith('NSF '));
    expect(goalLines).toHaveLength(GOALS.length);
    // The target, then our figure, and nothing after it: no ratio, no verdict.
    expect(goalLines[0]).toMatch(/^NSF train step, batch 128\s+steps\/s\s+>= 1\.50x\s+66\.0$/);
    expect(goalLines.find((l) => l.includes('NLL'))).toMatch(/nats\s+<= \+0\.010\s+3\.600$/);
    expect(text).not.toMatch(/\bmet\b/);
  });

  it('with a peer run: ratios against the peer at our thread count and at its best, judged on full runs', () => {
    const peers = [
      peerRun(1, [
        figure('train-step/nsf/b128/steps-per-s', 40),
        figure('train-step/nsf/b1024/steps-per-s', 20),
        figure('time-to-quality/nsf/nll', 3.595, 'lower', 'nats'),
        figure('time-to-quality/nsf/train-wall-s', 80, 'lower', 's'),
      ]),
      peerRun(2, [
        figure('train-step/nsf/b128/steps-per-s', 50),
        figure('train-step/nsf/b1024/steps-per-s', 30),
        figure('time-to-quality/nsf/nll', 3.58, 'lower', 'nats'),
        figure('time-to-quality/nsf/train-wall-s', 60, 'lower', 's'),
      ]),
    ];
    const rows = goalRows([wasmResult({ b128: 66, b1024: 10.5 })], peers, false);
    const byWhat = (what: string) => rows.find((r) => r.what === what)!;
    const b128 = byWhat('NSF train step, batch 128');
    // Diffeo on wasm ran one thread: judged against the peer's one-thread run.
    expect(b128).toMatchObject({
      diffeo: 66,
      peer: { threads: 1, value: 40 },
      peerBest: { threads: 2, value: 50 },
    });
    expect(b128.versus).toBeCloseTo(66 / 40, 12);
    expect(b128.versusBest).toBeCloseTo(66 / 50, 12);
    expect(b128.met).toBe(true);
    expect(b128.note).toBeUndefined();
    const b1024 = byWhat('NSF train step, batch 1024');
    expect(b1024.versus).toBeCloseTo(10.5 / 20, 12);
    expect(b1024.met).toBe(false);
    // A time: the ratio is the peer's time over ours (above 1 is faster), against 1 / 0.7.
    const wall = byWhat('NSF training wall time');
    expect(wall.versus).toBeCloseTo(80 / 50, 12);
    expect(wall.peerBest).toEqual({ threads: 2, value: 60 });
    expect(wall.met).toBe(true);
    // The NLL: a difference in nats, at most 0.01 above the peer's.
    const nll = byWhat('NSF held-out NLL after training');
    expect(nll).toMatchObject({ kind: 'difference', target: 0.01, met: true });
    expect(nll.versus).toBeCloseTo(3.6 - 3.595, 12);
    expect(nll.versusBest).toBeCloseTo(3.6 - 3.58, 12);
    // No peer figure for logProb: nothing to compare.
    expect(byWhat('NSF logProb')).toMatchObject({ diffeo: null, peer: null, versus: null, met: null });

    // Quick runs: the ratio is there, the verdict is not.
    const quick = goalRows([wasmResult({ b128: 66, b1024: 10.5 })], peers, true);
    expect(quick.every((r) => r.met === null)).toBe(true);
    expect(quick.find((r) => r.what === 'NSF train step, batch 128')!.versus).toBeCloseTo(66 / 40, 12);

    // Diffeo with two threads is held against the peer's two-thread run; without one, nothing is judged.
    const twoThreads = wasmResult({ b128: 66, b1024: 10.5 });
    twoThreads.reported.wasm = { simd: true, threads: true, threadsCount: 2 };
    const two = goalRows([twoThreads], peers, false).find((r) => r.what === 'NSF train step, batch 128')!;
    expect(two.peer).toEqual({ threads: 2, value: 50 });
    expect(two.versus).toBeCloseTo(66 / 50, 12);
    const lone = goalRows([twoThreads], [peers[0]!], false).find(
      (r) => r.what === 'NSF train step, batch 128',
    )!;
    expect(lone).toMatchObject({ peer: null, versus: null, met: null, note: 'no peer run with 2 thread(s)' });
    expect(lone.versusBest).toBeCloseTo(66 / 40, 12);

    const r = report([wasmResult({ b128: 66, b1024: 10.5 })]);
    r.peers = peers;
    r.goals = rows;
    const text = renderReport(r);
    expect(text).toContain('Goal (issue #16): Diffeo against PyTorch 1.13.0 measured in this run');
    expect(text).toMatch(/pytorch 1t\s+PyTorch 1\.13\.0, Python 3\.11\.2, BLAS libopenblas\.so\.0/);
    expect(text).toMatch(
      /NSF train step, batch 128\s+steps\/s\s+>= 1\.50x\s+40\.0\s+50\.0\s+66\.0\s+1\.65x met\s+1\.32x \(2t\)/,
    );
    expect(text).toMatch(
      /NSF held-out NLL after training\s+nats\s+<= \+0\.010\s+3\.595\s+3\.580\s+3\.600\s+\+0\.005 met\s+\+0\.020 \(2t\)/,
    );
    // The per-workload tables carry the peer's columns beside ours.
    expect(text).toMatch(
      /train-step\/nsf\/b128\/steps-per-s \[steps\/s\]\s+66\.0 ±10%\s+40\.0 ±10%\s+50\.0 ±10%/,
    );
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
    r.goals = goalRows(r.backends, [], false);
    r.analysis = analysisRows(r.backends);
    const text = renderReport(r);
    expect(text).toContain('Machine: Test CPU, 2 cores');
    expect(text).toContain('SIMD on, threads off');
    expect(text).toMatch(/train-step\/nsf\/b128\/steps-per-s \[steps\/s\]\s+100 ±10%/);
    expect(text).toMatch(/train-step\s+\+0 t, 0 B, peak 100\.0 MB/);
    expect(text).toMatch(/NSF train step, batch 128\s+steps\/s\s+>= 1\.50x\s+100$/m);
    expect(text).toMatch(/wasm\s+nsf\s+10\.0 \(b128\)\s+50\.0 \(b1024\)/);
  });

  it("gives each profiled goal the products-only ratio: the peer's time over our products' time", () => {
    const b = wasmResult({ b128: 66, b1024: 10.5 });
    // A step with 6 ms in product kernels (8 ms of kernels, 75% products); a logProb chunk of
    // 10^4 points with 120 ms.
    b.workloads.push(
      workload(
        'kernel-profile',
        [
          figure('kernel-profile/nsf/b128/kernel-ms', 8, 'lower', 'ms'),
          figure('kernel-profile/nsf/b128/matmul-share', 0.75, 'none', 'share'),
          figure('kernel-profile/nsf/log-prob/kernel-ms', 200, 'lower', 'ms'),
          figure('kernel-profile/nsf/log-prob/matmul-share', 0.6, 'none', 'share'),
        ],
        { logProbPoints: 10_000 },
      ),
    );
    const peers = [
      peerRun(1, [
        figure('train-step/nsf/b128/steps-per-s', 100),
        figure('train-step/nsf/b1024/steps-per-s', 20),
        figure('log-prob/nsf/points-per-s', 100_000),
        figure('sample/nsf/samples-per-s', 50_000),
      ]),
    ];
    const byWhat = (rows: ReturnType<typeof goalRows>, what: string) => rows.find((r) => r.what === what)!;
    const rows = goalRows([b], peers, false);
    // 10 ms a step against 6 ms of our products; 100 ms a chunk against 120 ms.
    expect(byWhat(rows, 'NSF train step, batch 128').productsOnly).toBeCloseTo(10 / 6, 12);
    expect(byWhat(rows, 'NSF logProb').productsOnly).toBeCloseTo(100 / 120, 12);
    // Not profiled (batch 1024 here, sampling, the wall time), or no peer: no ratio.
    expect(byWhat(rows, 'NSF train step, batch 1024').productsOnly).toBeNull();
    expect(byWhat(rows, 'NSF sampling').productsOnly).toBeNull();
    expect(byWhat(rows, 'NSF training wall time').productsOnly).toBeNull();
    const twoThreadsOnly = [peerRun(2, [figure('log-prob/nsf/points-per-s', 100_000)])];
    expect(byWhat(goalRows([b], twoThreadsOnly, false), 'NSF logProb').productsOnly).toBeNull();
    const r = report([b]);
    r.peers = peers;
    r.goals = rows;
    const text = renderReport(r);
    expect(text).toMatch(
      /NSF train step, batch 128\s+steps\/s\s+>= 1\.50x\s+100\s+66\.0\s+0\.66x not met\s+0\.66x \(1t\)\s+1\.67x/,
    );
    expect(text).toContain("products only: PyTorch's time over Diffeo's time inside its product kernels");
  });

  it("holds each profiled call's product FLOPs against the product kernel's rate", () => {
    const b = wasmResult({ b128: 100, b1024: 20 });
    // 0.2 GFLOP in 10 ms (20 GFLOP/s), 8 of them inside kernels, half of that in products
    // (50 GFLOP/s), against a product kernel that alone reaches 100 GFLOP/s.
    b.workloads.push(
      workload('op-overhead', [figure('op-overhead/matmul/gflops', 100, 'higher', 'GFLOP/s')]),
      workload(
        'kernel-profile',
        [
          figure('kernel-profile/nsf/b1024/step-ms', 10, 'lower', 'ms'),
          figure('kernel-profile/nsf/b1024/kernel-ms', 8, 'lower', 'ms'),
          figure('kernel-profile/nsf/b1024/matmul-share', 0.5, 'none', 'share'),
          figure('kernel-profile/nsf/log-prob/step-ms', 4, 'lower', 'ms'),
        ],
        {
          productFlops: { 'nsf/b1024': { flops: 2e8 }, 'nsf/log-prob': { flops: 1e8 } },
          productKernelsWithoutFormula: ['DiffeoMaskedMatMul'],
        },
      ),
    );
    const rows = arithmeticRows([b]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ backend: 'wasm', arch: 'nsf', call: 'b1024', limitGflops: 100 });
    expect(rows[0]!.wallGflops).toBeCloseTo(20, 10);
    expect(rows[0]!.productMs).toBeCloseTo(4, 10);
    expect(rows[0]!.productGflops).toBeCloseTo(50, 10);
    expect(rows[0]!.wallShare).toBeCloseTo(0.2, 10);
    expect(rows[0]!.productShare).toBeCloseTo(0.5, 10);
    // Without a kernel timer: the wall rate only.
    expect(rows[1]).toMatchObject({
      call: 'log-prob',
      productMs: null,
      productGflops: null,
      productShare: null,
    });
    expect(rows[1]!.wallShare).toBeCloseTo(0.25, 10);
    // Without op-overhead in the run there is no limit to hold it against.
    b.workloads.splice(2, 1);
    expect(arithmeticRows([b])[0]).toMatchObject({ limitGflops: null, wallShare: null, productShare: null });
    const r = report([b]);
    r.arithmetic = rows;
    const text = renderReport(r);
    expect(text).toMatch(/wasm\s+nsf\s+b1024\s+0\.200\s+10\.0\s+20\.0\s+50\.0\s+100\s+20%\s+50%/);
    expect(text).toContain('product kernels without a FLOP formula (not counted): DiffeoMaskedMatMul');
  });
});

describe('high-dim arithmetic', () => {
  it("holds each side's rate on the dense products against the product kernel's own", () => {
    const b = wasmResult({ b128: 100, b1024: 20 });
    // 1.5 GFLOP per step at 10 steps/s (15 GFLOP/s); 0.4 GFLOP per pass of 1000 points at 5000 points/s (2 GFLOP/s).
    b.workloads.push(
      workload('op-overhead', [figure('op-overhead/matmul/gflops', 40, 'higher', 'GFLOP/s')]),
      workload(
        'high-dim',
        [
          figure('high-dim/maf-784/b100/steps-per-s', 10, 'higher', 'steps/s'),
          figure('high-dim/maf-784/points-per-s', 5000, 'higher', 'points/s'),
        ],
        {
          batchSize: 100,
          points: 1000,
          profiled: {
            'maf-784': { step: { gflop: 1.5, productMs: 60 }, pass: { gflop: 0.4, productMs: 100 } },
          },
        },
      ),
    );
    const peer = peerRun(1, [
      figure('high-dim/maf-784/b100/steps-per-s', 30, 'higher', 'steps/s'),
      figure('high-dim/maf-784/points-per-s', 7500, 'higher', 'points/s'),
    ]);
    const rows = highDimArithmeticRows([b], [peerRun(2, []), peer]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      backend: 'wasm',
      arch: 'maf-784',
      call: 'train',
      gflop: 1.5,
      limitGflops: 40,
    });
    expect(rows[0]!.diffeoGflops).toBeCloseTo(15, 10);
    expect(rows[0]!.peerGflops).toBeCloseTo(45, 10);
    expect(rows[1]).toMatchObject({ call: 'log-prob' });
    expect(rows[1]!.diffeoGflops).toBeCloseTo(2, 10);
    expect(rows[1]!.peerGflops).toBeCloseTo(3, 10);
    // The peer's step takes 1000 / 30 ms against our products' 60 ms; its pass 1000 / 7500 s
    // against our products' 100 ms.
    expect(rows[0]!.productsOnlyRatio).toBeCloseTo(1000 / 30 / 60, 10);
    expect(rows[1]!.productsOnlyRatio).toBeCloseTo(1000 / 7.5 / 100, 10);
    // No peer at Diffeo's thread count: our rate only.
    expect(highDimArithmeticRows([b], [peerRun(2, [])])[0]).toMatchObject({
      peerGflops: null,
      productsOnlyRatio: null,
    });
    const r = report([b]);
    r.highDimArithmetic = rows;
    expect(renderReport(r)).toMatch(
      /wasm\s+maf-784\s+train\s+1\.50\s+15\.0\s+45\.0\s+40\.0\s+60\.0\s+0\.56x/,
    );
    expect(renderReport(r)).toMatch(
      /wasm\s+maf-784\s+log-prob\s+0\.400\s+2\.00\s+3\.00\s+40\.0\s+100\s+1\.33x/,
    );
  });
});
