import { create } from '@diffeo/core';
import { type DataArrays, type Dataset, loadDigits, parseCsv, splitData } from '@diffeo/datasets';
import type { DataChoice } from '../protocol.js';

/**
 * Rows drawn from a generator: enough for a demo, few enough to keep the page light. Its 80%
 * training split (10,240 rows) is a whole number of batches of 128, 256 or 512: on webgl a short
 * last batch is a new tensor shape, which recompiles every shader of the step.
 */
const GENERATED_ROWS = 12_800;

/** A data set split for training: 80% train, 10% validation (the rest is never used by the page). */
export interface LoadedData {
  train: DataArrays;
  validation: DataArrays;
  all: DataArrays;
}

/** The chosen data, split 80/10/10 (seeded): CSV parse errors come back as the loaders' typed errors. */
export async function loadData(choice: DataChoice, seed: number): Promise<LoadedData> {
  let all: DataArrays;
  if (choice.kind === 'csv') {
    all = parseCsv(choice.text);
  } else {
    // In a bundle the digits table is a chunk of its own, fetched on first use.
    if (choice.type === 'digits') await loadDigits();
    const dataset = create<Dataset>({ kind: 'dataset', type: choice.type, config: choice.config });
    all = dataset.sample(Math.min(GENERATED_ROWS, dataset.size), { seed });
  }
  const { train, validation } = splitData(all, { train: 0.8, validation: 0.1, test: 0.1, seed });
  return { train, validation, all };
}

/** At most `max` rows as arrays of numbers, for plotting. */
export function rowsOf(data: DataArrays, max: number): number[][] {
  const n = Math.min(data.n, max);
  return Array.from({ length: n }, (_, i) => Array.from(data.x.subarray(i * data.dim, (i + 1) * data.dim)));
}
