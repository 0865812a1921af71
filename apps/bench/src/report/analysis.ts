import { fixedCost } from '../stats.js';
import type { AnalysisRow, BackendResult } from '../types.js';

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
