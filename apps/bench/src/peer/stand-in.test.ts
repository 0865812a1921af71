// The peer path end to end with the stand-in peer (a Node process, no Python): launching, the ready
// handshake, every workload's request and reply, interleaving, the goal rows and the report, and
// the ways a peer breaks. Always runs; the real PyTorch peer has its own tests (`*.pytorch-test.ts`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHS, type Arch, HIGH_DIM_ARCHS, parameterCount } from '../models.js';
import { goalRows } from '../report/goals.js';
import { renderReport } from '../report/table.js';
import type { RunRequest } from '../run-backend.js';
import { type Settings, settingsFor } from '../settings.js';
import { figure, report, workload } from '../test-utils/report.js';
import type { BackendResult } from '../types.js';
import { PeerDataFiles } from './data-files.js';
import { type PeerLauncher, type StandInOptions, standInLauncher } from './launcher.js';
import type { PeerWorkloadName } from './protocol.js';
import { PeerError } from './python.js';
import { peerRequest, runWithPeer } from './run-with-peer.js';
import { openPeerSession, type PeerSession } from './session.js';
import { STAND_IN_FIRST_LOSS, standInNll } from './stand-in-answers.js';
import { PEER_WORKLOADS, readPeerResult } from './workloads.js';

const ROW_SECONDS = 2e-5;
const settings = settingsFor(true);
const files = new PeerDataFiles();
afterAll(() => files.dispose());

const standIn = (options: StandInOptions = {}): PeerLauncher =>
  standInLauncher({ rowSeconds: ROW_SECONDS, ...options });

/** Runs `workload` for `arch` on `session`, checking the progress labels against the bench's plan. */
async function run(
  session: PeerSession,
  workload: PeerWorkloadName,
  arch: Arch,
  part?: string,
  s: Settings = settings,
) {
  const labels: string[] = [];
  const raw = await session.run(await peerRequest(workload, arch, s, files, part), (l) => labels.push(l));
  expect(labels).toEqual(PEER_WORKLOADS[workload].plan(arch, s, part));
  return readPeerResult(workload, arch, s, raw);
}

const value = (figures: { id: string; value: number }[], id: string) =>
  figures.find((f) => f.id === id)?.value;

describe('the stand-in peer', () => {
  let session: PeerSession;
  beforeAll(async () => {
    session = await openPeerSession(standIn(), 2, 'default');
  });
  afterAll(() => session?.close());

  it('says it is the stand-in in its ready message, with no torch version', () => {
    expect(session.ready).toEqual({
      peer: 'stand-in',
      node: process.version,
      rowSeconds: ROW_SECONDS,
      threads: 2,
      allocator: 'default',
    });
    expect(session.ready).not.toHaveProperty('torch');
  });

  it('answers every 2-D workload with figures that follow from the request', async () => {
    const [small, large] = settings.trainBatches;
    for (const arch of ARCHS) {
      const step = await run(session, 'train-step', arch);
      expect(step.figures.map((f) => f.id)).toEqual([
        `train-step/${arch.id}/b${small}/steps-per-s`,
        `train-step/${arch.id}/b${small}/samples-per-s`,
        `train-step/${arch.id}/b${large}/steps-per-s`,
        `train-step/${arch.id}/b${large}/samples-per-s`,
      ]);
      // A step over b rows takes b * rowSeconds: 1 / (b * rowSeconds) steps/s, 1 / rowSeconds samples/s.
      expect(step.figures[0]!.value).toBeCloseTo(1 / (small * ROW_SECONDS), 6);
      expect(step.figures[1]!.value).toBeCloseTo(1 / ROW_SECONDS, 6);
      expect(step.figures[2]!.value).toBeCloseTo(1 / (large * ROW_SECONDS), 6);
      expect(step.figures[0]!.spread).toMatchObject({ n: settings.repeats, relSpread: 0 });
      const lp = await run(session, 'log-prob', arch);
      expect(lp.figures).toEqual([expect.objectContaining({ id: `log-prob/${arch.id}/points-per-s` })]);
      expect(lp.figures[0]!.value).toBeCloseTo(1 / ROW_SECONDS, 6);
      const sample = await run(session, 'sample', arch);
      expect(sample.figures[0]!.id).toBe(`sample/${arch.id}/samples-per-s`);
      expect(sample.figures[0]!.value).toBeCloseTo(1 / ROW_SECONDS, 6);
    }
  });

  it('counts the parameters of every architecture from its spec as ours are counted', async () => {
    for (const arch of [...ARCHS, ...HIGH_DIM_ARCHS]) {
      const model = arch.build(0);
      const ours = parameterCount(model);
      model.dispose();
      const workload = HIGH_DIM_ARCHS.includes(arch) ? 'high-dim' : 'log-prob';
      const { details } = await run(session, workload, arch, workload === 'high-dim' ? arch.id : undefined);
      expect((details.parameters as Record<string, number>)[arch.id], arch.id).toBe(ours);
    }
  }, 120_000);

  it('answers high-dim and time-to-quality, one part at a time as an interleaved run asks', async () => {
    const arch = HIGH_DIM_ARCHS[0]!;
    const highDim = await run(session, 'high-dim', arch, arch.id);
    const { batchSize } = settings.highDim;
    expect(value(highDim.figures, `high-dim/${arch.id}/b${batchSize}/steps-per-s`)).toBeCloseTo(
      1 / (batchSize * ROW_SECONDS),
      6,
    );
    expect(value(highDim.figures, `high-dim/${arch.id}/points-per-s`)).toBeCloseTo(1 / ROW_SECONDS, 6);

    const two = settingsFor(true, { ttqSeeds: 2, ttqSteps: 40 });
    const ttq = await run(session, 'time-to-quality', ARCHS[0]!, 'seed 1', two);
    const t = two.timeToQuality;
    expect(ttq.details.trainings).toEqual([
      {
        seed: 1,
        nll: standInNll(1),
        standardError: 0.01,
        wallS: 40 * Math.min(t.batchSize, t.trainPoints) * ROW_SECONDS,
        steps: 40,
        firstTrainLoss: STAND_IN_FIRST_LOSS,
        finalTrainLoss: standInNll(1),
      },
    ]);
    expect(value(ttq.figures, 'time-to-quality/nsf/nll')).toBe(standInNll(1));
  });

  it('answers a workload it does not have with an error, and goes on', async () => {
    const arch = ARCHS[0]!;
    const request = {
      workload: 'no-such-workload',
      arch: { id: arch.id, spec: arch.peer },
      settings,
      data: {},
    };
    await expect(session.run(request, () => {})).rejects.toThrow(
      /the peer failed on no-such-workload \(nsf\): Error: unknown workload 'no-such-workload'/,
    );
    expect(session.alive).toBe(true);
    expect((await run(session, 'sample', arch)).figures).toHaveLength(1);
  });
});

describe('a peer that breaks', () => {
  const arch = ARCHS[0]!;
  const request = () => peerRequest('log-prob', arch, settings, files);

  it('before its ready message: a PeerError with its exit code and its last words', async () => {
    const opening = openPeerSession(standIn({ fail: 'before-ready' }), 1);
    await expect(opening).rejects.toThrow(PeerError);
    await expect(opening).rejects.toThrow(
      /the peer \(1 thread\(s\)\) exited \(3\):\nstand-in: asked to fail before ready/,
    );
  });

  it('in the middle of a request: that request fails, and every later one at once', async () => {
    const session = await openPeerSession(standIn({ fail: 'exit:2' }), 1);
    const labels: string[] = [];
    await session.run(await request(), () => {});
    await expect(session.run(await request(), (l) => labels.push(l))).rejects.toThrow(
      /exited \(3\):\nstand-in: asked to exit during request 2/,
    );
    expect(labels).toEqual(['nsf']);
    expect(session.alive).toBe(false);
    await expect(session.run(await request(), () => {})).rejects.toThrow(/exited \(3\)/);
    await session.close();
  });

  it('writing a line that is not JSON: the request fails quoting it, and the peer is stopped', async () => {
    const session = await openPeerSession(standIn({ fail: 'malformed:1' }), 1);
    await expect(session.run(await request(), () => {})).rejects.toThrow(
      'the peer wrote a line that is not JSON: stand-in: a line that is not JSON',
    );
    expect(session.alive).toBe(false);
    await session.close();
  });

  it('answering with an error or a malformed result: that request fails, the next runs', async () => {
    const session = await openPeerSession(standIn({ fail: 'error:1' }), 1);
    await expect(session.run(await request(), () => {})).rejects.toThrow(
      /the peer failed on log-prob \(nsf\): Error: asked to fail request 1/,
    );
    expect(session.alive).toBe(true);
    expect(
      readPeerResult('log-prob', arch, settings, await session.run(await request(), () => {})).figures,
    ).toHaveLength(1);
    await session.close();

    const bad = await openPeerSession(standIn({ fail: 'bad-result:1' }), 1);
    const raw = await bad.run(await request(), () => {});
    expect(() => readPeerResult('log-prob', arch, settings, raw)).toThrow(
      /the peer's log-prob result is malformed: parameters/,
    );
    await bad.close();
  });

  it('a process that is not the peer the bench asked for is refused', async () => {
    const posing: PeerLauncher = { ...standIn(), name: 'pytorch' };
    await expect(openPeerSession(posing, 1)).rejects.toThrow('the pytorch peer said it is the stand-in peer');
  });
});

describe('a side-by-side run with the stand-in', () => {
  /** Our side: fixed figures for the goals, so every ratio is known. */
  const ours = (request: RunRequest): BackendResult => {
    const w = request.workloads![0]!;
    const figures =
      w === 'log-prob'
        ? [figure('log-prob/nsf/points-per-s', 75_000, 'higher', 'points/s')]
        : w === 'sample'
          ? [figure('sample/nsf/samples-per-s', 75_000, 'higher', 'samples/s')]
          : [];
    return {
      backend: 'wasm',
      runtime: { runtime: 'node', version: 'v20', cores: 2 },
      reported: { name: 'wasm', wasm: { simd: true, threads: false, threadsCount: 1 }, prod: false },
      wallS: 1,
      workloads: [workload(w, figures)],
    };
  };

  it('interleaves ours and the peer item by item, and the goal rows hold ours against its figures', async () => {
    const log: string[] = [];
    const failures: string[] = [];
    const request: RunRequest = {
      backend: 'wasm',
      quick: false,
      workloads: ['log-prob', 'sample'],
      archs: ['nsf', 'maf'],
    };
    const { backends, peers } = await runWithPeer({
      requests: [request],
      runOurs: async (r) => {
        log.push(`wasm ${r.workloads![0]} ${r.archs![0]}`);
        return ours(r);
      },
      peer: standIn(),
      threads: [1, 2],
      onProgress: (tick) => log.push(`${tick.backend} ${tick.workload} ${tick.label}`),
      onFailure: (side, message) => failures.push(`${side}: ${message}`),
    });
    expect(failures).toEqual([]);
    expect(log).toEqual(
      ['log-prob', 'sample'].flatMap((w) =>
        ['nsf', 'maf'].flatMap((a) => [`wasm ${w} ${a}`, `stand-in 1t ${w} ${a}`, `stand-in 2t ${w} ${a}`]),
      ),
    );
    expect(peers.map((p) => [p.peer, p.threads, p.version])).toEqual([
      ['stand-in', 1, { node: process.version, rowSeconds: ROW_SECONDS }],
      ['stand-in', 2, { node: process.version, rowSeconds: ROW_SECONDS }],
    ]);
    // Full sizes: 10^5 points at 2e-5 s per row are 2 s a pass, 50,000 points/s.
    expect(peers[0]!.workloads.map((w) => w.name)).toEqual(['log-prob', 'sample']);
    expect(value(peers[0]!.workloads[0]!.figures, 'log-prob/maf/points-per-s')).toBeCloseTo(50_000, 6);

    const goals = goalRows(backends, peers, false);
    const logProb = goals.find((g) => g.what === 'NSF logProb')!;
    // 75,000 / 50,000 = 1.5: logProb's target is 1.2, met; sampling's is 2, not met.
    expect(logProb).toMatchObject({ diffeo: 75_000, peer: { threads: 1 }, met: true });
    expect(logProb.peer!.value).toBeCloseTo(50_000, 6);
    expect(logProb.versus).toBeCloseTo(1.5, 10);
    const sampling = goals.find((g) => g.what === 'NSF sampling')!;
    expect(sampling.versus).toBeCloseTo(1.5, 10);
    expect(sampling.met).toBe(false);
    // No training in this run: no figure, no verdict.
    expect(goals.find((g) => g.what === 'NSF train step, batch 128')).toMatchObject({
      diffeo: null,
      met: null,
    });

    const text = renderReport({ ...report(backends), peers, goals });
    expect(text).toContain('stand-in 1t');
    expect(text).toContain('STAND-IN, not PyTorch: figures made up from each request (0.00002 s per row)');
    expect(text).toMatch(/Goal \(issue #16\): Diffeo against the STAND-IN peer \(made-up figures/);
    expect(text).toMatch(
      /NSF logProb\s+points\/s\s+>= 1\.20x\s+50,000\s+50,000\s+75,000\s+1\.50x met\s+1\.50x \(1t\)/,
    );
    expect(text).toMatch(
      /NSF sampling\s+samples\/s\s+>= 2\.00x\s+50,000\s+50,000\s+75,000\s+1\.50x not met\s+1\.50x/,
    );
    expect(text).not.toMatch(/PyTorch \d/);
  });

  it('a peer that dies leaves our side running, and its missing figures judge nothing', async () => {
    const failures: string[] = [];
    const slow = (r: RunRequest) => {
      const result = ours(r);
      for (const f of result.workloads[0]!.figures) f.value /= 10;
      return result;
    };
    const ourItems: string[] = [];
    const { backends, peers } = await runWithPeer({
      requests: [{ backend: 'wasm', quick: false, workloads: ['log-prob', 'sample'], archs: ['nsf'] }],
      runOurs: async (r) => {
        ourItems.push(r.workloads![0]!);
        return slow(r);
      },
      peer: standIn({ fail: 'exit:2' }),
      threads: [1],
      onProgress: () => {},
      onFailure: (side, message) => failures.push(`${side}: ${message}`),
    });
    expect(ourItems).toEqual(['log-prob', 'sample']);
    expect(failures).toEqual([
      expect.stringMatching(/^stand-in 1t: sample nsf: the peer \(1 thread\(s\)\) exited \(3\)/),
    ]);
    expect(peers[0]!.error).toMatch(/asked to exit during request 2/);
    expect(peers[0]!.workloads.map((w) => [w.name, w.error === undefined])).toEqual([
      ['log-prob', true],
      ['sample', false],
    ]);
    const goals = goalRows(backends, peers, false);
    const logProb = goals.find((g) => g.what === 'NSF logProb')!;
    expect(logProb.versus).toBeCloseTo(0.15, 10);
    expect(logProb.met).toBe(false);
    // The peer's sampling figure is missing: no ratio, no verdict.
    expect(goals.find((g) => g.what === 'NSF sampling')).toMatchObject({
      diffeo: 7_500,
      peer: null,
      met: null,
    });
    const text = renderReport({ ...report(backends), peers, goals });
    expect(text).toMatch(/0\.15x not met/);
    expect(text).toMatch(/ERROR on stand-in 1t: the peer \(1 thread\(s\)\) exited \(3\)/);
  });
});
