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
import { standInNll } from './peer/stand-in-answers.js';
import { GOALS } from './report/goals.js';
import { settingsFor } from './settings.js';
import type { BackendResult, BenchBackend, BenchReport } from './types.js';
import { DEFAULT_WORKLOADS } from './workloads/index.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(appDir, 'dist', 'cli.js');
const dir = mkdtempSync(path.join(tmpdir(), 'diffeo-bench-'));
const [small, large] = settingsFor(true).trainBatches;
/** The stand-in peer's seconds per row in these runs: 50,000 rows per second. */
const ROW_SECONDS = 2e-5;

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
    expect(run(['--peer', 'tensorflow']).stderr).toContain(
      "expected one of pytorch, stand-in, got 'tensorflow'",
    );
  });

  /** The built CLI in quick mode beside the stand-in peer at one thread, `env` steering the stand-in. */
  function besideStandIn(args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(
      process.execPath,
      [cli, '--quick', '--peer', 'stand-in', '--peer-threads', '1', ...args],
      // stderr is not a terminal here: one progress line per task, which shows the order.
      {
        cwd: appDir,
        encoding: 'utf8',
        timeout: 400_000,
        env: { ...process.env, DIFFEO_STAND_IN_ROW_SECONDS: String(ROW_SECONDS), ...env },
      },
    );
    expect(r.signal, 'the run must end by itself').toBeNull();
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('runs the stand-in peer beside wasm, item by item, and holds Diffeo against its figures', () => {
    const json = path.join(dir, 'stand-in.json');
    const r = besideStandIn([
      '--workloads',
      'train-step,log-prob,sample,time-to-quality,high-dim',
      '--archs',
      'nsf,maf',
      '--json',
      json,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    expect(report.backends.map((b) => b.backend)).toEqual(['wasm']);
    // The report says what the peer was: the stand-in, its Node and its made-up rate; no torch.
    expect(report.peers.map((p) => [p.peer, p.threads, p.version])).toEqual([
      ['stand-in', 1, { node: process.version, rowSeconds: ROW_SECONDS }],
    ]);
    const peer = report.peers[0]!;
    expect(peer.workloads.map((w) => w.name)).toEqual([
      'train-step',
      'log-prob',
      'sample',
      'time-to-quality',
      'high-dim',
    ]);
    // Every figure of the stand-in is one of ours, with the value its rate says.
    const s = settingsFor(true);
    const t = s.timeToQuality;
    const wallS = t.steps * Math.min(t.batchSize, t.trainPoints) * ROW_SECONDS;
    const expected = (id: string): number => {
      const batch = /\/b(\d+)\/steps-per-s$/.exec(id);
      if (batch !== null) return 1 / (Number(batch[1]) * ROW_SECONDS);
      if (/(samples|points)-per-s$/.test(id)) return 1 / ROW_SECONDS;
      const ttq: Record<string, number> = {
        'time-to-quality/nsf/nll': standInNll(0),
        'time-to-quality/nsf/nll-seed-sd': 0,
        'time-to-quality/nsf/nll-standard-error': 0.01,
        'time-to-quality/nsf/nll-gap': standInNll(0) - Math.log(32),
        'time-to-quality/nsf/train-wall-s': wallS,
        'time-to-quality/nsf/steps-per-s': t.steps / wallS,
      };
      if (ttq[id] === undefined) throw new Error(`no expected value for ${id}`);
      return ttq[id];
    };
    const ours = new Map(report.backends[0]!.workloads.flatMap((w) => w.figures.map((f) => [f.id, f.value])));
    const peerIds = peer.workloads.flatMap((w) => {
      expect(w.error, w.name).toBeUndefined();
      return w.figures.map((f) => {
        expect(ours.has(f.id), f.id).toBe(true);
        expect(f.value, f.id).toBeCloseTo(expected(f.id), 6);
        return f.id;
      });
    });
    expect(peerIds).toHaveLength(2 * 4 + 2 + 2 + 6 + 6 * 2);
    // The stand-in counts parameters from the specs; the run checks they are ours.
    const params = (side: { workloads: { name: string; details?: Record<string, unknown> }[] }) =>
      side.workloads.map((w) => [w.name, w.details?.parameters]);
    expect(params(peer)).toEqual(params(report.backends[0]!));
    // Ratios of this run's figures (quick: never judged).
    const goal = (what: string) => report.goals.find((g) => g.what === what)!;
    const logProb = goal('NSF logProb');
    expect(logProb.peer).toEqual({ threads: 1, value: expect.closeTo(1 / ROW_SECONDS, 6) });
    expect(logProb.versus).toBeCloseTo(logProb.diffeo! * ROW_SECONDS, 10);
    expect(goal('NSF sampling').versus).toBeCloseTo(goal('NSF sampling').diffeo! * ROW_SECONDS, 10);
    expect(goal('NSF held-out NLL after training').versus).toBeCloseTo(
      goal('NSF held-out NLL after training').diffeo! - standInNll(0),
      10,
    );
    expect(goal('NSF training wall time').versus).toBeCloseTo(
      wallS / goal('NSF training wall time').diffeo!,
      10,
    );
    // The arithmetic of the papers' dimensions: a MAF's logProb is 5 layers of dense products
    // (input, two residual-block, output), 2 FLOPs per multiply-add; each side's rate over it.
    const { batchSize, points } = s.highDim;
    const arithmetic = report.highDimArithmetic!;
    expect(arithmetic).toHaveLength(12);
    for (const [arch, d] of [
      ['maf-64', 64],
      ['maf-784', 784],
    ] as const) {
      const row = arithmetic.find((a) => a.arch === arch && a.call === 'log-prob')!;
      expect(row.gflop).toBeCloseTo((5 * 2 * points * (d * 200 + 2 * 200 * 200 + 200 * 2 * d)) / 1e9, 12);
    }
    for (const a of arithmetic) {
      expect(a.gflop, a.arch).toBeGreaterThan(0);
      const peerSeconds = (a.call === 'train' ? batchSize : points) * ROW_SECONDS;
      expect(a.peerGflops, `${a.arch} ${a.call}`).toBeCloseTo(a.gflop / peerSeconds, 6);
      expect(a.limitGflops).toBeNull();
      // Our product kernels' time, profiled, and the stand-in's time over it.
      expect(a.productMs, `${a.arch} ${a.call}`).toBeGreaterThan(0);
      expect(a.productsOnlyRatio, `${a.arch} ${a.call}`).toBeCloseTo((1000 * peerSeconds) / a.productMs, 6);
    }
    expect(r.stdout).toContain('The dimensions of the papers: matrix-product GFLOP');
    // Quick runs train at batches 8 and 64: the batch-128 and 1024 goals have no figure on either side.
    expect(goal('NSF train step, batch 128')).toMatchObject({ diffeo: null, peer: null, versus: null });
    for (const g of report.goals) expect(g.met, g.what).toBeNull();
    // The table names the stand-in wherever it would name PyTorch.
    expect(r.stdout).toContain('stand-in 1t  STAND-IN, not PyTorch: figures made up from each request');
    expect(r.stdout).toContain('Goal (issue #16): Diffeo against the STAND-IN peer (made-up figures');
    expect(r.stdout).toMatch(/NSF logProb\s+points\/s\s+>= 1\.20x\s+50,000\s+[\d,]+\s+\d+\.\d\dx\s/);
    expect(r.stdout).not.toMatch(/PyTorch \d/);
    // Interleaved: each item on wasm, then on the peer, then the next item.
    const sides = r.stderr
      .split('\n')
      .map((l) => /^\[\s*\d+ s\] \d+\/\d+ (wasm|stand-in 1t) /.exec(l)?.[1])
      .filter((side) => side !== undefined)
      .filter((side, i, all) => i === 0 || side !== all[i - 1]);
    // train-step, log-prob and sample for nsf and maf, time-to-quality's one seed, high-dim's six
    // architectures: thirteen items.
    expect(sides).toEqual(Array.from({ length: 13 }, () => ['wasm', 'stand-in 1t']).flat());
  });

  it('a peer that dies mid-run: ours goes on, the report names the failure, exit code 1', () => {
    const r = besideStandIn(['--workloads', 'log-prob', '--archs', 'nsf,maf'], {
      DIFFEO_STAND_IN_FAIL: 'exit:2',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /ERROR on stand-in 1t: the peer \(1 thread\(s\)\) exited \(3\):\nstand-in: asked to exit/,
    );
    // Our side measured both architectures; the peer the first only.
    expect(r.stdout).toMatch(/MAF logProb \[points\/s\]\s+[\d,]+ ±\d+%\s+-/);
    expect(r.stderr).toMatch(/Problems:\n\s+stand-in 1t: the peer \(1 thread\(s\)\) exited \(3\)/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a peer that breaks the protocol or does not start: a clear message, exit code 1', () => {
    const args = ['--workloads', 'log-prob', '--archs', 'nsf'];
    const malformed = besideStandIn(args, { DIFFEO_STAND_IN_FAIL: 'malformed:1' });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain(
      'stand-in 1t log-prob: the peer wrote a line that is not JSON: stand-in: a line that is not JSON',
    );
    const early = besideStandIn(args, { DIFFEO_STAND_IN_FAIL: 'before-ready' });
    expect(early.code).toBe(1);
    expect(early.stdout).toBe('');
    expect(early.stderr).toContain(
      'bench: the peer (1 thread(s)) exited (3):\nstand-in: asked to fail before ready (DIFFEO_STAND_IN_FAIL=before-ready)',
    );
    expect(early.stderr).not.toMatch(/^\s+at /m);
  });

  it("fails the run when the peer's model is not ours (a different parameter count)", () => {
    const r = besideStandIn(['--workloads', 'log-prob', '--archs', 'nsf'], {
      DIFFEO_STAND_IN_FAIL: 'miscount',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "log-prob nsf: the stand-in's model has 289465 parameters, wasm's 289464: not the same architecture",
    );
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
