import { ShapeError } from '@diffeo/core';
import { contingencyTable } from './contingency.js';

/**
 * The assignment of rows to columns that maximises the total `weights[row][col]` (each row to a
 * distinct column, each column used at most once), by the Hungarian algorithm (Kuhn 1955, Munkres
 * 1957) in its O(n^3) shortest-augmenting-path form. The matrix may be rectangular: with more rows
 * than columns, some rows get -1.
 *
 * @returns `assignment[row]`: the column of each row, or -1.
 *
 * @example
 * ```ts
 * maxWeightMatching([[1, 5], [4, 2]]); // [1, 0] (total 9)
 * ```
 */
export function maxWeightMatching(weights: readonly (readonly number[])[]): number[] {
  const rows = weights.length;
  if (rows === 0) return [];
  const cols = weights[0]!.length;
  for (let i = 0; i < rows; i++) {
    const row = weights[i]!;
    if (row.length !== cols) {
      throw new ShapeError(`maxWeightMatching: weights[${i}]: expected ${cols} columns, got ${row.length}`);
    }
    for (let j = 0; j < cols; j++) {
      if (!Number.isFinite(row[j])) {
        throw new ShapeError(
          `maxWeightMatching: weights[${i}][${j}]: expected a finite number, got ${row[j]}`,
        );
      }
    }
  }
  // Square cost matrix (minimisation of -weight), padded with zeros.
  const n = Math.max(rows, cols);
  const cost = (i: number, j: number) => (i < rows && j < cols ? -weights[i]![j]! : 0);
  // Potentials u (rows), v (columns); p[j] the row matched to column j (1-based, 0 = none).
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Array<number>(rows).fill(-1);
  for (let j = 1; j <= n; j++) {
    const i = p[j]! - 1;
    if (i >= 0 && i < rows && j - 1 < cols) assignment[i] = j - 1;
  }
  return assignment;
}

/** What {@link clusteringAccuracy} returns. */
export interface MatchedAccuracy {
  /** Fraction of points whose cluster maps to their label under the best one-to-one matching. */
  accuracy: number;
  /** `clusterToLabel[cluster]`: the label each cluster is matched with, or -1 if none. */
  clusterToLabel: number[];
}

/**
 * Clustering accuracy: the fraction of points whose cluster is matched to their true label, under
 * the one-to-one matching of clusters to labels that maximises it (Hungarian algorithm on the
 * contingency table). Invariant to renaming the clusters.
 *
 * @example
 * ```ts
 * clusteringAccuracy([0, 0, 1, 1], [1, 1, 0, 1]).accuracy; // 0.75
 * ```
 */
export function clusteringAccuracy(labels: ArrayLike<number>, clusters: ArrayLike<number>): MatchedAccuracy {
  const { counts, numClusters, n } = contingencyTable(labels, clusters);
  // Rows of the matching are clusters, columns labels.
  const byCluster = Array.from({ length: numClusters }, (_, c) => counts.map((row) => row[c]!));
  const clusterToLabel = maxWeightMatching(byCluster);
  let correct = 0;
  clusterToLabel.forEach((label, c) => {
    if (label >= 0) correct += byCluster[c]![label]!;
  });
  return { accuracy: correct / n, clusterToLabel };
}
