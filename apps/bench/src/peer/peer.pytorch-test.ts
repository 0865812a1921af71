// The real PyTorch peer, few steps. Opt in (`pnpm test:peer`, vitest.pytorch.config.ts): `pnpm test`
// drives the same path with the stand-in peer (stand-in.test.ts). When PyTorch is missing this fails
// with the install command: it is never skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHS, HIGH_DIM_ARCHS, parameterCount } from '../models.js';
import { type Settings, settingsFor } from '../settings.js';
import { PeerDataFiles } from './data-files.js';
import { pytorchLauncher } from './launcher.js';
import type { PeerWorkloadName } from './protocol.js';
import { findPython, PeerError } from './python.js';
import { peerRequest } from './run-with-peer.js';
import { openPeerSession, type PeerSession } from './session.js';
import { PEER_WORKLOADS, readPeerResult } from './workloads.js';

describe('the PyTorch peer', () => {
  const settings = settingsFor(true, { ttqSteps: 60 });
  const files = new PeerDataFiles();
  let session: PeerSession;

  beforeAll(async () => {
    // Throws a PeerError naming `apt-get install -y python3-torch ...` when torch is missing.
    session = await openPeerSession(pytorchLauncher(findPython()), 1);
  }, 120_000);

  afterAll(async () => {
    await session?.close();
    await files.dispose();
  });

  /** Runs `workload` on the architecture `id` (one of those the workload measures for that item). */
  async function run(workload: PeerWorkloadName, id: string, part?: string, s: Settings = settings) {
    const item = ARCHS.find((a) => a.id === id);
    const arch = PEER_WORKLOADS[workload].archs(item, part).find((a) => a.id === id)!;
    const labels: string[] = [];
    const raw = await session.run(await peerRequest(workload, arch, s, files, part), (l) => labels.push(l));
    expect(labels).toEqual(PEER_WORKLOADS[workload].plan(arch, s, part));
    return { arch, ...readPeerResult(workload, arch, s, raw) };
  }

  it('builds every architecture with the parameter count of ours and times its training step', async () => {
    expect(session.ready.threads).toBe(1);
    for (const a of ARCHS) {
      const { arch, figures, details } = await run('train-step', a.id);
      const ours = arch.build(0);
      const count = parameterCount(ours);
      ours.dispose();
      expect((details.parameters as Record<string, number>)[arch.id], arch.id).toBe(count);
      const [small, large] = settings.trainBatches;
      expect(figures.map((f) => f.id)).toEqual([
        `train-step/${arch.id}/b${small}/steps-per-s`,
        `train-step/${arch.id}/b${small}/samples-per-s`,
        `train-step/${arch.id}/b${large}/steps-per-s`,
        `train-step/${arch.id}/b${large}/samples-per-s`,
      ]);
      for (const f of figures) expect(f.value, f.id).toBeGreaterThan(0);
    }
  }, 240_000);

  it('evaluates and samples the NSF preset', async () => {
    const lp = await run('log-prob', 'nsf');
    expect(lp.figures[0]).toMatchObject({ id: 'log-prob/nsf/points-per-s', unit: 'points/s' });
    expect(lp.figures[0]!.value).toBeGreaterThan(0);
    const s = await run('sample', 'maf');
    expect(s.figures[0]!.id).toBe('sample/maf/samples-per-s');
    expect((s.details.parameters as Record<string, number>).maf).toBe(267_792);
  }, 120_000);

  it('trains the NSF preset: the held-out NLL falls well below where training started', async () => {
    const { figures, details } = await run('time-to-quality', 'nsf');
    const [training] = details.trainings as { nll: number; firstTrainLoss: number; steps: number }[];
    expect(training!.steps).toBe(60);
    // The flow starts as the identity: a standard normal on the checkerboard, about 7.2 nats.
    expect(training!.firstTrainLoss).toBeGreaterThan(6.5);
    expect(training!.nll).toBeLessThan(training!.firstTrainLoss - 1);
    expect(training!.nll).toBeGreaterThan(Math.log(32));
    expect(figures.find((f) => f.id === 'time-to-quality/nsf/nll')!.value).toBe(training!.nll);
    expect((details.parameters as Record<string, number>).nsf).toBe(289_464);
    // One seed of two, as a finer-interleaved run asks for it.
    const second = await run(
      'time-to-quality',
      'nsf',
      'seed 1',
      settingsFor(true, { ttqSteps: 20, ttqSeeds: 2 }),
    );
    expect((second.details.trainings as { seed: number }[]).map((t) => t.seed)).toEqual([1]);
  }, 240_000);

  it('builds the 64-D and 784-D MAF, NSF and mixture of 5 MAFs with the parameter counts of ours', async () => {
    const counts: Record<string, number> = {};
    for (const a of HIGH_DIM_ARCHS) {
      // One architecture per request, as a finer-interleaved run asks for them.
      const { arch, figures, details } = await run('high-dim', a.id, a.id);
      const ours = arch.build(0);
      const count = parameterCount(ours);
      ours.dispose();
      counts[arch.id] = count;
      expect((details.parameters as Record<string, number>)[arch.id], arch.id).toBe(count);
      expect(figures.map((f) => f.id)).toEqual([
        `high-dim/${arch.id}/b${settings.highDim.batchSize}/steps-per-s`,
        `high-dim/${arch.id}/points-per-s`,
      ]);
    }
    // The mixtures: 5 MAFs and the posterior network (D -> 512 -> 5).
    const posterior = (dim: number) => dim * 512 + 512 + 512 * 5 + 5;
    expect(counts['mixture-64']).toBe(5 * counts['maf-64']! + posterior(64));
    expect(counts['mixture-784']).toBe(5 * counts['maf-784']! + posterior(784));
    expect([counts['maf-64'], counts['mixture-64'], counts['mixture-784']]).toEqual([
      595_640, 3_014_045, 14_218_685,
    ]);
  }, 900_000);

  it('answers a request it cannot run with an error and goes on', async () => {
    const arch = ARCHS[0]!;
    await expect(
      session.run(
        { workload: 'no-such-workload', arch: { id: arch.id, spec: arch.peer }, settings, data: {} },
        () => {},
      ),
    ).rejects.toThrow(PeerError);
    await expect(
      session.run(
        { workload: 'no-such-workload', arch: { id: arch.id, spec: arch.peer }, settings, data: {} },
        () => {},
      ),
    ).rejects.toThrow(/unknown workload 'no-such-workload'/);
    expect(session.alive).toBe(true);
    expect((await run('log-prob', 'realnvp')).figures).toHaveLength(1);
  }, 120_000);
});
