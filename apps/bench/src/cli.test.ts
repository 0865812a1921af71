// End to end: the built CLI in quick mode, every workload on every backend, and the JSON it writes.
// No timing is asserted (the machine is shared); structure, finiteness and memory are.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_PATH } from '@diffeo/chromium';
import { describe, expect, it } from 'vitest';
import { ARCHS } from './models.js';
import { GOALS } from './report/goals.js';
import { settingsFor } from './settings.js';
import type { BackendResult, BenchBackend, BenchReport } from './types.js';
import { DEFAULT_WORKLOADS } from './workloads/index.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(appDir, 'dist', 'cli.js');
const dir = mkdtempSync(path.join(tmpdir(), 'diffeo-bench-'));
const [small, large] = settingsFor(true).trainBatches;

function run(args: string[], timeout = 200_000) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: appDir, encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectedIds(): string[] {
  const ids = [
    'op-overhead/tiny-op/us',
    'op-overhead/tiny-op-readback/us',
    'op-overhead/matmul-1024x128x128/ms',
    'op-overhead/matmul-1024x128x128-transpose-b/ms',
    'op-overhead/matmul-128x1024x128-transpose-a/ms',
    'op-overhead/matmul/gflops',
    'time-to-quality/nsf/nll',
    'time-to-quality/nsf/nll-seed-sd',
    'time-to-quality/nsf/nll-standard-error',
    'time-to-quality/nsf/nll-gap',
    'time-to-quality/nsf/train-wall-s',
    'time-to-quality/nsf/steps-per-s',
  ];
  for (const a of ARCHS) {
    for (const b of [small, large]) {
      ids.push(`train-step/${a.id}/b${b}/steps-per-s`, `train-step/${a.id}/b${b}/samples-per-s`);
      ids.push(`kernel-profile/${a.id}/b${b}/kernels`, `kernel-profile/${a.id}/b${b}/step-ms`);
    }
    ids.push(`log-prob/${a.id}/points-per-s`, `sample/${a.id}/samples-per-s`);
  }
  return ids;
}

/** Every check that does not depend on the backend. */
function checkBackend(result: BackendResult, backend: BenchBackend): void {
  expect(result.backend).toBe(backend);
  expect(result.reported.name).toBe(backend === 'browser-wasm' ? 'wasm' : backend);
  expect(result.runtime.cores).toBeGreaterThan(0);
  expect(result.workloads.map((w) => w.name)).toEqual(DEFAULT_WORKLOADS.map((w) => w.name));
  for (const w of result.workloads) {
    expect(w.error, `${backend} ${w.name}`).toBeUndefined();
    expect(w.wallS).toBeGreaterThan(0);
    // Memory: nothing left behind, and a peak process figure on both runtimes.
    expect(w.memory.tensorsGrown, `${backend} ${w.name} tensors`).toBeLessThanOrEqual(0);
    expect(w.memory.bytesGrown, `${backend} ${w.name} bytes`).toBeLessThanOrEqual(0);
    expect(w.memory.before.numTensors).toBeGreaterThanOrEqual(0);
    expect(w.memory.peakProcessBytes, `${backend} ${w.name} peak`).toBeGreaterThan(0);
    for (const f of w.figures) {
      expect(Number.isFinite(f.value), `${backend} ${f.id} = ${f.value}`).toBe(true);
      // The gap and the NLL may be negative; one seed (quick) has no spread over seeds.
      const mayBeZero = [
        'time-to-quality/nsf/nll-gap',
        'time-to-quality/nsf/nll',
        'time-to-quality/nsf/nll-seed-sd',
      ];
      if (!mayBeZero.includes(f.id)) {
        expect(f.value, `${backend} ${f.id}`).toBeGreaterThan(0);
      }
      expect(f.label.length).toBeGreaterThan(0);
      if (f.spread !== undefined) {
        expect(f.spread.n).toBe(settingsFor(true).repeats);
        expect(f.spread.min).toBeLessThanOrEqual(f.value);
        expect(f.spread.max).toBeGreaterThanOrEqual(f.value);
      }
    }
  }
  const ids = new Set(result.workloads.flatMap((w) => w.figures.map((f) => f.id)));
  for (const id of expectedIds()) expect(ids.has(id), `${backend}: figure ${id}`).toBe(true);
  const ttq = result.workloads.find((w) => w.name === 'time-to-quality')!;
  const nll = ttq.figures.find((f) => f.id === 'time-to-quality/nsf/nll')!.value;
  // Barely trained, yet a density: finite and not below what a perfect model could reach by much.
  expect(nll).toBeGreaterThan(Math.log(32) - 0.5);
  expect(ttq.details?.stepsTaken).toBe(settingsFor(true).timeToQuality.steps);
}

function checkReport(report: BenchReport, backends: BenchBackend[]): void {
  expect(report.format).toBe(2);
  expect(report.quick).toBe(true);
  expect(Number.isNaN(Date.parse(report.date))).toBe(false);
  expect(report.machine.cores).toBeGreaterThan(0);
  expect(report.machine.cpuModel.length).toBeGreaterThan(0);
  expect(report.machine.node).toBe(process.version);
  expect(report.failures).toEqual([]);
  expect(report.backends.map((b) => b.backend)).toEqual(backends);
  expect(report.goals).toHaveLength(GOALS.length * backends.length);
  for (const g of report.goals) {
    // Quick runs train at batches 8 and 64, so the batch-128/1024 goals have no figure; the rest do.
    if (g.what.startsWith('NSF train step')) expect(g.diffeo).toBeNull();
    else expect(g.diffeo, `${g.backend} ${g.what}`).not.toBeNull();
    expect(g.met).toBeNull();
    expect(g.note).toMatch(/quick/);
    // No peer in this run: no ratio.
    expect(g.versus).toBeNull();
  }
  expect(report.peers).toEqual([]);
  expect(report.analysis).toHaveLength(ARCHS.length * backends.length);
  for (const a of report.analysis) {
    expect([a.smallBatch, a.largeBatch]).toEqual([small, large]);
    expect(a.fixedShareSmall).toBeGreaterThanOrEqual(0);
    expect(a.fixedShareSmall).toBeLessThanOrEqual(1);
    expect(a.perSampleRatio).toBeGreaterThan(0);
  }
  // The product FLOPs of every profiled call (two training steps and a logProb chunk per
  // architecture), against the product kernel's rate measured by op-overhead on the same backend.
  const arithmetic = report.arithmetic ?? [];
  expect(arithmetic).toHaveLength(ARCHS.length * 3 * backends.length);
  for (const a of arithmetic) {
    expect(a.gflop, `${a.backend} ${a.arch} ${a.call}`).toBeGreaterThan(0);
    expect(a.limitGflops).toBeGreaterThan(0);
    expect(a.wallShare).toBeGreaterThan(0);
  }
  for (const b of report.backends) {
    const profile = b.workloads.find((w) => w.name === 'kernel-profile');
    expect(profile?.details?.productKernelsWithoutFormula, b.backend).toBeUndefined();
  }
}

describe('pnpm bench --quick', () => {
  it('--help documents every option', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    for (const option of [
      '--quick',
      '--backends',
      '--json',
      '--compare',
      '--workloads',
      '--archs',
      '--repeats',
      '--ttq-steps',
      '--chromium',
      '--peer',
      '--peer-threads',
      '--python',
      '--no-progress',
    ]) {
      expect(stdout).toContain(option);
    }
    // `pnpm bench -- --help` hands the separator through: it must not count as an argument.
    expect(run(['--', '--help']).stdout).toBe(stdout);
  });

  it('rejects an unknown backend with the list of known ones', () => {
    const { code, stderr } = run(['--backends', 'cpu,tpu']);
    expect(code).not.toBe(0);
    expect(stderr).toContain("expected some of cpu, wasm, webgl, browser-wasm, got 'tpu'");
  });

  it('says how to install PyTorch when the peer cannot run, and stops before measuring', () => {
    const { code, stdout, stderr } = run([
      '--quick',
      '--peer',
      'pytorch',
      '--python',
      '/nonexistent/python3',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('The PyTorch peer cannot run');
    expect(stderr).toContain('/nonexistent/python3: cannot run');
    expect(stderr).toContain('apt-get install -y python3-torch');
    // A message, not a stack trace.
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(run(['--peer', 'tensorflow']).stderr).toContain("expected one of pytorch, got 'tensorflow'");
  });

  it('runs PyTorch beside wasm, item by item, and holds Diffeo against it', () => {
    const json = path.join(dir, 'peer.json');
    const r = spawnSync(
      process.execPath,
      [
        cli,
        '--quick',
        '--peer',
        'pytorch',
        '--peer-threads',
        '1',
        '--workloads',
        'train-step,log-prob,time-to-quality,high-dim',
        '--archs',
        'nsf,maf',
        '--json',
        json,
      ],
      // stderr is not a terminal here: one progress line per task, which shows the order.
      { cwd: appDir, encoding: 'utf8', timeout: 400_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    expect(report.backends.map((b) => b.backend)).toEqual(['wasm']);
    expect(report.peers.map((p) => [p.peer, p.threads])).toEqual([['pytorch', 1]]);
    const peer = report.peers[0]!;
    expect(peer.version.torch).toMatch(/^\d+\.\d+/);
    expect(peer.workloads.map((w) => w.name)).toEqual([
      'train-step',
      'log-prob',
      'time-to-quality',
      'high-dim',
    ]);
    const ours = new Set(report.backends[0]!.workloads.flatMap((w) => w.figures.map((f) => f.id)));
    for (const w of peer.workloads) {
      expect(w.error, w.name).toBeUndefined();
      for (const f of w.figures) {
        // Every peer figure is one of ours, so the two can be held side by side.
        expect(ours.has(f.id), f.id).toBe(true);
        if (!f.id.includes('/nll')) expect(f.value, f.id).toBeGreaterThan(0);
      }
    }
    // Same parameter counts on both sides (the CLI also fails the run when they differ).
    const params = (
      name: string,
      side: { workloads: { name: string; details?: Record<string, unknown> }[] },
    ) => side.workloads.find((w) => w.name === name)?.details?.parameters;
    expect(params('train-step', peer)).toEqual({ nsf: 289_464, maf: 267_792 });
    expect(params('train-step', report.backends[0]!)).toEqual(params('train-step', peer));
    // The dimensions of the papers: MAF, NSF and the mixture of 5 MAFs on 64-D digits and 784-D
    // MNIST, on both sides.
    expect(Object.keys(params('high-dim', peer) as object)).toEqual([
      'maf-64',
      'nsf-64',
      'mixture-64',
      'maf-784',
      'nsf-784',
      'mixture-784',
    ]);
    expect(params('high-dim', report.backends[0]!)).toEqual(params('high-dim', peer));
    const highDimIds = report.backends[0]!.workloads.find((w) => w.name === 'high-dim')!.figures.map(
      (f) => f.id,
    );
    expect(highDimIds).toContain('high-dim/nsf-784/points-per-s');
    expect(highDimIds).toContain(`high-dim/mixture-784/b${settingsFor(true).highDim.batchSize}/steps-per-s`);
    // Ratios in the goal rows (quick: never judged).
    const logProb = report.goals.find((g) => g.what === 'NSF logProb')!;
    expect(logProb.peer?.threads).toBe(1);
    expect(logProb.versus).toBeCloseTo(logProb.diffeo! / logProb.peer!.value, 10);
    expect(logProb.met).toBeNull();
    // Interleaved: each item on wasm, then on the peer, then the next item.
    const sides = r.stderr
      .split('\n')
      .map((l) => /^\[\s*\d+ s\] \d+\/\d+ (wasm|pytorch 1t) /.exec(l)?.[1])
      .filter((side) => side !== undefined)
      .filter((side, i, all) => i === 0 || side !== all[i - 1]);
    // train-step nsf and maf, log-prob nsf and maf, time-to-quality's one seed, high-dim's six
    // architectures: eleven items.
    expect(sides).toEqual(Array.from({ length: 11 }, () => ['wasm', 'pytorch 1t']).flat());
    expect(r.stdout).toMatch(/NSF logProb\s+points\/s\s+>= 1\.20x\s+[\d,]+\s+[\d,]+\s+\d+\.\d\dx\s/);
  });

  it('runs every workload on cpu and wasm in Node, writes the JSON and compares with a previous run', () => {
    const json = path.join(dir, 'node.json');
    const previous = path.join(dir, 'previous.json');
    // A previous run with one figure, at half the speed it will have now whatever the machine.
    writeFileSync(
      previous,
      JSON.stringify({
        format: 1,
        date: '2020-01-01T00:00:00.000Z',
        quick: true,
        machine: { cpuModel: 'x', cores: 1 },
        backends: [
          {
            backend: 'wasm',
            workloads: [
              {
                name: 'op-overhead',
                memory: {},
                figures: [
                  {
                    id: 'op-overhead/matmul/gflops',
                    label: 'm',
                    value: 1e-9,
                    unit: 'GFLOP/s',
                    better: 'higher',
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const { code, stdout, stderr } = run([
      '--quick',
      '--backends',
      'cpu,wasm',
      '--json',
      json,
      '--compare',
      previous,
      '--no-progress',
    ]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    checkReport(report, ['cpu', 'wasm']);
    // the files are in a temporary folder, outside the repository: the JSON keeps their names alone
    expect(report.command).toBe(
      'bench --quick --backends cpu,wasm --json node.json --compare previous.json --no-progress',
    );
    checkBackend(report.backends[0]!, 'cpu');
    checkBackend(report.backends[1]!, 'wasm');
    expect(report.backends[1]!.reported.wasm?.simd).toBe(true);
    expect(report.backends[1]!.workloads[0]!.memory.wasmHeapBytes).toBeGreaterThan(0);
    for (const heading of ['Machine:', 'train-step:', 'Memory:', 'Goal (issue #16)', 'Where the time goes']) {
      expect(stdout).toContain(heading);
    }
    expect(stdout).toContain('Compared with the run of 2020-01-01');
    expect(stdout).toMatch(/wasm\s+op-overhead\/matmul\/gflops\s+GFLOP\/s\s.*x\s+better/);
  });

  it('runs every workload on webgl and wasm in headless Chromium', () => {
    expect(
      existsSync(CHROMIUM_PATH),
      `Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get update && apt-get install -y chromium\``,
    ).toBe(true);
    const json = path.join(dir, 'browser.json');
    const { code, stderr } = run(
      [
        '--quick',
        '--backends',
        'webgl,browser-wasm',
        '--threads',
        '2',
        '--json',
        json,
        '--no-progress',
        // Software WebGL profiles 9 calls in kernel-profile: minutes on a loaded machine.
      ],
      400_000,
    );
    expect(code, stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    checkReport(report, ['webgl', 'browser-wasm']);
    checkBackend(report.backends[0]!, 'webgl');
    checkBackend(report.backends[1]!, 'browser-wasm');
    expect(report.machine.chromium).toMatch(/^\d+\./);
    const webgl = report.backends[0]!.reported.webgl!;
    expect(webgl.version).toBe(2);
    expect(webgl.float32RenderTargets).toBe(true);
    const wasm = report.backends[1]!;
    expect(wasm.runtime.crossOriginIsolated).toBe(true);
    // tfjs alone would give 1 thread on a 2-core machine (it halves the cores); --threads 2 gets 2.
    expect(wasm.reported.wasm).toEqual({ simd: true, threads: true, threadsCount: 2 });
  }, 450_000);
});
