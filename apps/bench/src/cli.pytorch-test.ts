// The built CLI beside the real PyTorch peer (opt in: `pnpm --filter @diffeo/bench test:peer`, where
// torch imports; without it this fails with the install command). The always-run tests drive the
// same path with the stand-in peer (`cli.test.ts`, `peer/stand-in.test.ts`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { settingsFor } from './settings.js';
import type { BenchReport } from './types.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(appDir, 'dist', 'cli.js');
const dir = mkdtempSync(path.join(tmpdir(), 'diffeo-bench-pytorch-'));

describe('pnpm bench --quick --peer pytorch', () => {
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
      { cwd: appDir, encoding: 'utf8', timeout: 600_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    expect(report.backends.map((b) => b.backend)).toEqual(['wasm']);
    expect(report.peers.map((p) => [p.peer, p.threads])).toEqual([['pytorch', 1]]);
    const peer = report.peers[0]!;
    if (peer.peer !== 'pytorch') throw new Error(`expected the PyTorch peer, got ${peer.peer}`);
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
});
