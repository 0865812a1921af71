import { contingencyTable } from './contingency.js';

const choose2 = (m: number) => (m * (m - 1)) / 2;

/**
 * The adjusted Rand index (Hubert and Arabie 1985) of a clustering against true labels: the Rand
 * index corrected for chance, 1 for identical partitions (up to renaming), about 0 for independent
 * ones, and negative when worse than chance. When both partitions are trivial (one cluster each, or
 * every point alone in both) it is 1, as in scikit-learn.
 *
 * @example
 * ```ts
 * adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]); // 1
 * ```
 */
export function adjustedRandIndex(labels: ArrayLike<number>, clusters: ArrayLike<number>): number {
  const { counts, n } = contingencyTable(labels, clusters);
  let sumCells = 0;
  const rowSums: number[] = [];
  const colSums = new Array<number>(counts[0]!.length).fill(0);
  for (const row of counts) {
    let r = 0;
    row.forEach((v, j) => {
      sumCells += choose2(v);
      r += v;
      colSums[j]! += v;
    });
    rowSums.push(r);
  }
  const sumRows = rowSums.reduce((s, r) => s + choose2(r), 0);
  const sumCols = colSums.reduce((s, c) => s + choose2(c), 0);
  const expected = (sumRows * sumCols) / choose2(n);
  const maxIndex = (sumRows + sumCols) / 2;
  if (maxIndex === expected) return 1;
  return (sumCells - expected) / (maxIndex - expected);
}

/**
 * Normalized mutual information of a clustering against true labels: I(labels; clusters) divided by
 * the arithmetic mean of the two entropies (scikit-learn's default normalisation), in [0, 1],
 * 1 for identical partitions up to renaming. Natural logarithms (the ratio does not depend on the
 * base). When both partitions have zero entropy it is 1; when only one does, 0.
 *
 * @example
 * ```ts
 * normalizedMutualInformation([0, 0, 1, 1], [0, 1, 0, 1]); // 0
 * ```
 */
export function normalizedMutualInformation(labels: ArrayLike<number>, clusters: ArrayLike<number>): number {
  const { counts, n } = contingencyTable(labels, clusters);
  const rowSums = counts.map((row) => row.reduce((s, v) => s + v, 0));
  const colSums = counts[0]!.map((_, j) => counts.reduce((s, row) => s + row[j]!, 0));
  const entropy = (sums: number[]) =>
    -sums.reduce((s, c) => (c === 0 ? s : s + (c / n) * Math.log(c / n)), 0);
  const hLabels = entropy(rowSums);
  const hClusters = entropy(colSums);
  if (hLabels === 0 && hClusters === 0) return 1;
  let mi = 0;
  counts.forEach((row, i) => {
    row.forEach((v, j) => {
      if (v > 0) mi += (v / n) * Math.log((v * n) / (rowSums[i]! * colSums[j]!));
    });
  });
  const denominator = (hLabels + hClusters) / 2;
  return denominator === 0 ? 0 : Math.max(0, Math.min(1, mi / denominator));
}
