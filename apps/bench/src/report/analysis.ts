import { fixedCost } from '../stats.js';
import type { AnalysisRow, ArithmeticRow, BackendResult, HighDimArithmeticRow, PeerRun } from '../types.js';
import type { HighDimArithmetic } from '../workloads/high-dim.js';
import { profiledFigure, profiledProductMs, threadsOf } from './goals.js';

/**
 * Per backend and architecture: the training step at the small and the 8x larger batch split
 * into a fixed part and a per-sample part. The fixed share is the time that is not arithmetic on
 * the batch (dispatch, tape, optimizer, read-back): what kernel fusion and fewer ops would remove.
 */
export function analysisRows(backends: readonly BackendResult[]): AnalysisRow[] {
  const rows: AnalysisRow[] = [];
  for (const b of backends) {
    const train = b.workloads.find((w) => w.name === 'train-step');
    const batches = train?.details?.batches as [number, number] | undefined;
    if (train === undefined || batches === undefined) continue;
    const archs = new Set(train.figures.map((f) => f.id.split('/')[1]!));
    for (const arch of archs) {
      const rate = (batch: number) =>
        train.figures.find((f) => f.id === `train-step/${arch}/b${batch}/steps-per-s`)?.value;
      const [small, large] = [rate(batches[0]), rate(batches[1])];
      if (small === undefined || large === undefined) continue;
      const s = { batch: batches[0], ms: 1000 / small };
      const l = { batch: batches[1], ms: 1000 / large };
      const fc = fixedCost(s, l);
      rows.push({
        backend: b.backend,
        arch,
        smallBatch: s.batch,
        largeBatch: l.batch,
        msPerStepSmall: s.ms,
        msPerStepLarge: l.ms,
        perSampleRatio: fc.perSampleRatio,
        fixedMs: fc.fixedMs,
        fixedShareSmall: fc.fixedShareSmall,
        fixedShareLarge: fc.fixedShareLarge,
      });
    }
  }
  return rows;
}

/** The product kernel's rate alone on a backend (`op-overhead`'s matmul), GFLOP/s. */
const productLimit = (b: BackendResult): number | null =>
  b.workloads.find((w) => w.name === 'op-overhead')?.figures.find((f) => f.id === 'op-overhead/matmul/gflops')
    ?.value ?? null;

/**
 * Per backend and profiled call (`kernel-profile`): the matrix-product FLOPs, the rate they ran
 * at over the wall time and over the product kernels' time, and both as a share of the product
 * kernel's rate alone (`op-overhead`'s matmul GFLOP/s on the same backend).
 */
export function arithmeticRows(backends: readonly BackendResult[]): ArithmeticRow[] {
  const rows: ArithmeticRow[] = [];
  for (const b of backends) {
    const profile = b.workloads.find((w) => w.name === 'kernel-profile');
    const flops = profile?.details?.productFlops as Record<string, { flops: number }> | undefined;
    if (profile === undefined || flops === undefined) continue;
    const limit = productLimit(b);
    for (const [key, { flops: count }] of Object.entries(flops)) {
      const wallMs = profiledFigure(profile, key, 'step-ms');
      if (wallMs === undefined) continue;
      const productMs = profiledProductMs(profile, key);
      const gflop = count / 1e9;
      const wallGflops = gflop / (wallMs / 1000);
      const productGflops = productMs === null || productMs <= 0 ? null : gflop / (productMs / 1000);
      const [arch, call] = key.split('/') as [string, string];
      rows.push({
        backend: b.backend,
        arch,
        call,
        gflop,
        wallMs,
        productMs,
        wallGflops,
        productGflops,
        limitGflops: limit,
        wallShare: limit === null ? null : wallGflops / limit,
        productShare: limit === null || productGflops === null ? null : productGflops / limit,
      });
    }
  }
  return rows;
}

/**
 * Per backend, high-dim architecture and call: the call's matrix-product arithmetic (counted
 * dense) over Diffeo's time and over the peer's at Diffeo's thread count, beside the rate the
 * product kernel reaches alone. A peer rate above that limit is one no count of kernel calls can
 * reach: only arithmetic skipped (masked-out blocks) can.
 */
export function highDimArithmeticRows(
  backends: readonly BackendResult[],
  peers: readonly PeerRun[],
): HighDimArithmeticRow[] {
  const rows: HighDimArithmeticRow[] = [];
  for (const b of backends) {
    const ours = b.workloads.find((w) => w.name === 'high-dim');
    const arithmetic = ours?.details?.profiled as Record<string, HighDimArithmetic> | undefined;
    const batchSize = ours?.details?.batchSize as number | undefined;
    if (ours === undefined || arithmetic === undefined || batchSize === undefined) continue;
    const peer = peers.find((p) => p.threads === threadsOf(b));
    const theirs = peer?.workloads.find((w) => w.name === 'high-dim');
    const rateOf = (figures: readonly { id: string; value: number }[] | undefined, id: string) =>
      figures?.find((f) => f.id === id)?.value;
    for (const [arch, { step, pass }] of Object.entries(arithmetic)) {
      const calls = [
        { call: 'train' as const, profile: step, id: `high-dim/${arch}/b${batchSize}/steps-per-s`, per: 1 },
        {
          call: 'log-prob' as const,
          profile: pass,
          id: `high-dim/${arch}/points-per-s`,
          per: ours.details?.points as number,
        },
      ];
      for (const { call, profile, id, per } of calls) {
        // A rate of calls: steps/s, or points/s over the points of one pass.
        const diffeo = rateOf(ours.figures, id);
        if (diffeo === undefined) continue;
        const peerRate = rateOf(theirs?.figures, id);
        const { gflop, productMs } = profile;
        rows.push({
          backend: b.backend,
          arch,
          call,
          gflop,
          diffeoGflops: (gflop * diffeo) / per,
          peerGflops: peerRate === undefined ? null : (gflop * peerRate) / per,
          limitGflops: productLimit(b),
          productMs,
          productsOnlyRatio: peerRate === undefined ? null : (1000 * per) / peerRate / productMs,
        });
      }
    }
  }
  return rows;
}
