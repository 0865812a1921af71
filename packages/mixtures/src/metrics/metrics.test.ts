import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, normalizedMutualInformation } from './agreement.js';
import { contingencyTable, normalizedContingency } from './contingency.js';
import { clusteringAccuracy, maxWeightMatching } from './hungarian.js';

const rename = (clusters: number[], perm: number[]) => clusters.map((c) => perm[c]!);

describe('contingency tables', () => {
  it('counts (label, cluster) pairs and normalises each label row', () => {
    const labels = [0, 0, 0, 1, 1, 2];
    const clusters = [1, 1, 0, 0, 0, 2];
    expect(contingencyTable(labels, clusters).counts).toEqual([
      [1, 2, 0],
      [2, 0, 0],
      [0, 0, 1],
    ]);
    expect(normalizedContingency(labels, clusters)).toEqual([
      [1 / 3, 2 / 3, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    // A label with no point gives a row of zeros.
    expect(normalizedContingency([0, 0], [0, 1], { numLabels: 2 })).toEqual([
      [0.5, 0.5],
      [0, 0],
    ]);
  });

  it('rejects mismatched lengths, negative and fractional values', () => {
    expect(() => contingencyTable([0, 1], [0])).toThrow(/clusters: expected 2 entries/);
    expect(() => contingencyTable([0, -1], [0, 0])).toThrow(
      /labels\[1\]: expected a non-negative integer, got -1/,
    );
    expect(() => contingencyTable([0, 1], [0, 0.5])).toThrow(/clusters\[1\]/);
    expect(() => contingencyTable([0, 3], [0, 0], { numLabels: 2 })).toThrow(
      /labels\[1\]: expected an integer in \[0, 2\), got 3/,
    );
    expect(() => contingencyTable([], [])).toThrow(/at least one point/);
  });
});

describe('Hungarian matching', () => {
  it('finds the maximum-weight assignment of a hand-worked 3 x 3 case', () => {
    // Best: row 0 -> col 2 (7), row 1 -> col 0 (8), row 2 -> col 1 (6): 21.
    expect(
      maxWeightMatching([
        [1, 2, 7],
        [8, 3, 1],
        [2, 6, 4],
      ]),
    ).toEqual([2, 0, 1]);
    // Greedy would take 10 (row 0 -> col 0) and then 1: 11; the optimum is 9 + 9 = 18.
    expect(
      maxWeightMatching([
        [10, 9],
        [9, 1],
      ]),
    ).toEqual([1, 0]);
  });

  it('agrees with brute force over all permutations on random matrices, square and rectangular', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const permutations = (n: number): number[][] =>
      n === 0
        ? [[]]
        : permutations(n - 1).flatMap((p) =>
            Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
          );
    for (let trial = 0; trial < 20; trial++) {
      const rows = 1 + (trial % 5);
      const cols = trial % 2 === 0 ? rows : 5;
      const w = Array.from({ length: rows }, () =>
        Array.from({ length: cols }, () => Math.round(random() * 20)),
      );
      const assignment = maxWeightMatching(w);
      expect(new Set(assignment).size).toBe(rows);
      const total = assignment.reduce((s, c, r) => s + w[r]![c]!, 0);
      let best = Number.NEGATIVE_INFINITY;
      for (const p of permutations(cols))
        best = Math.max(
          best,
          p.slice(0, rows).reduce((s, c, r) => s + w[r]![c]!, 0),
        );
      expect(total).toBe(best);
    }
  });

  it('leaves rows unassigned (-1) when there are more rows than columns', () => {
    expect(maxWeightMatching([[1], [5], [2]])).toEqual([-1, 0, -1]);
  });
});

describe('clustering accuracy', () => {
  it('is the fraction correct under the best one-to-one matching, whatever the cluster names', () => {
    const labels = [0, 0, 0, 1, 1, 1, 2, 2];
    const clusters = [2, 2, 1, 0, 0, 0, 1, 1];
    // Matching 2->0, 0->1, 1->2: 2 + 3 + 2 = 7 of 8 correct.
    const { accuracy, clusterToLabel } = clusteringAccuracy(labels, clusters);
    expect(accuracy).toBe(7 / 8);
    expect(clusterToLabel).toEqual([1, 2, 0]);
    for (const perm of [
      [1, 2, 0],
      [2, 0, 1],
      [0, 2, 1],
    ]) {
      expect(clusteringAccuracy(labels, rename(clusters, perm)).accuracy).toBe(7 / 8);
    }
  });

  it('counts clusters beyond the labels as wrong (one-to-one)', () => {
    // Four clusters, two labels: only two clusters can be matched: 2 + 1 = 3 of 4.
    expect(clusteringAccuracy([0, 0, 1, 1], [0, 0, 1, 2]).accuracy).toBe(0.75);
  });
});

describe('adjusted Rand index', () => {
  it('matches the hand computation of a small case', () => {
    // Contingency [[2, 1, 0], [0, 1, 2]]: Σ C(n_ij, 2) = 2, rows Σ C(3, 2) = 6, columns 3 · C(2, 2) = 3,
    // expected 6 · 3 / C(6, 2) = 1.2, max (6 + 3) / 2 = 4.5: ARI = (2 - 1.2) / (4.5 - 1.2) = 8 / 33.
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(8 / 33, 12);
  });

  it('is 1 for the same partition under any renaming and negative below chance', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2], [2, 2, 0, 0, 1])).toBe(1);
    // [[1, 1], [1, 1]]: Σ = 0, rows 2, cols 2, expected 2 · 2 / 6 = 2/3, max 2: (0 - 2/3) / (2 - 2/3) = -1/2.
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
    expect(adjustedRandIndex([0, 0, 0], [1, 1, 1])).toBe(1);
  });
});

describe('normalized mutual information', () => {
  it('matches the hand computation of a small case', () => {
    // Labels [0, 0, 1, 1], clusters [0, 0, 0, 1]: H(labels) = ln 2, H(clusters) = -(3/4 ln 3/4 + 1/4 ln 1/4),
    // I = 1/2 ln(4/3) + 1/4 ln(2/3) + 1/4 ln 2; NMI = I / ((H_l + H_c) / 2).
    const hl = Math.log(2);
    const hc = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    const mi = 0.5 * Math.log(4 / 3) + 0.25 * Math.log(2 / 3) + 0.25 * Math.log(2);
    expect(normalizedMutualInformation([0, 0, 1, 1], [0, 0, 0, 1])).toBeCloseTo(mi / ((hl + hc) / 2), 12);
    expect(mi / ((hl + hc) / 2)).toBeCloseTo(0.3437, 3);
  });

  it('is 1 for the same partition under renaming, 0 for independent ones', () => {
    expect(normalizedMutualInformation([0, 0, 1, 1, 2], [1, 1, 2, 2, 0])).toBeCloseTo(1, 12);
    expect(normalizedMutualInformation([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
    expect(normalizedMutualInformation([0, 1, 0, 1], [0, 0, 0, 0])).toBe(0);
  });
});
