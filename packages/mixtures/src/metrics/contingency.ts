import { ShapeError } from '@diffeo/core';

/** Counts of (true label, cluster) pairs: `counts[label][cluster]`. */
export interface Contingency {
  /** `counts[i][j]`: points with true label i assigned to cluster j. */
  counts: number[][];
  /** Number of true labels (rows): the largest label + 1, or `numLabels` when given. */
  numLabels: number;
  /** Number of clusters (columns): the largest cluster + 1, or `numClusters` when given. */
  numClusters: number;
  /** Number of points. */
  n: number;
}

function checkInts(where: string, name: string, values: ArrayLike<number>, bound?: number): number {
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || (bound !== undefined && v >= bound)) {
      const range = bound === undefined ? 'a non-negative integer' : `an integer in [0, ${bound})`;
      throw new ShapeError(`${where}: ${name}[${i}]: expected ${range}, got ${v}`);
    }
    if (v > max) max = v;
  }
  return max + 1;
}

/**
 * The contingency table of a clustering against true labels: `counts[label][cluster]` is the number
 * of points with that label put in that cluster. Labels and clusters are non-negative integers;
 * `numLabels` / `numClusters` fix the table's size (default: the largest value + 1).
 *
 * @example
 * ```ts
 * contingencyTable([0, 0, 1], [1, 1, 0]).counts; // [[0, 2], [1, 0]]
 * ```
 */
export function contingencyTable(
  labels: ArrayLike<number>,
  clusters: ArrayLike<number>,
  options: { numLabels?: number; numClusters?: number } = {},
): Contingency {
  const where = 'contingencyTable';
  if (labels.length !== clusters.length) {
    throw new ShapeError(
      `${where}: clusters: expected ${labels.length} entries (one per label), got ${clusters.length}`,
    );
  }
  if (labels.length === 0) throw new ShapeError(`${where}: labels: expected at least one point, got 0`);
  const numLabels = options.numLabels ?? checkInts(where, 'labels', labels);
  const numClusters = options.numClusters ?? checkInts(where, 'clusters', clusters);
  checkInts(where, 'labels', labels, numLabels);
  checkInts(where, 'clusters', clusters, numClusters);
  const counts = Array.from({ length: numLabels }, () => new Array<number>(numClusters).fill(0));
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]![clusters[i]!]! += 1;
  return { counts, numLabels, numClusters, n: labels.length };
}

/**
 * The contingency table with each row divided by its total: row i is the distribution of the
 * clusters that points of label i were put in (the paper's Table 1). A label with no points gives a
 * row of zeros.
 *
 * @example
 * ```ts
 * normalizedContingency([0, 0, 1, 1], [1, 0, 0, 0]); // [[0.5, 0.5], [1, 0]]
 * ```
 */
export function normalizedContingency(
  labels: ArrayLike<number>,
  clusters: ArrayLike<number>,
  options: { numLabels?: number; numClusters?: number } = {},
): number[][] {
  const { counts } = contingencyTable(labels, clusters, options);
  return counts.map((row) => {
    const total = row.reduce((s, v) => s + v, 0);
    return row.map((v) => (total === 0 ? 0 : v / total));
  });
}
