import { type Figure, lines } from '@diffeo/plots';
import { el } from '../../ui/dom.js';
import { bestResult, pairedDifference } from './compare.js';
import type { AuxResult } from './protocol.js';

const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/**
 * A density for the heatmap from log p̂ on a grid: p̂ capped at its `quantile` over the cells, so
 * that one tall peak (power data's density is infinite at 0) does not leave every other cell dark.
 */
export function cappedDensity(logValues: readonly number[], quantile = 0.99): number[] {
  const values = logValues.map((v) => (Number.isFinite(v) ? Math.exp(v) : 0));
  const sorted = [...values].sort((a, b) => a - b);
  const cap = sorted[Math.floor(quantile * (sorted.length - 1))] ?? 0;
  return cap > 0 ? values.map((v) => Math.min(v, cap)) : values;
}

/** Each B's training loss (a bound on -log p(x), comparable across B) against its own steps. */
export function lossFigure(curves: ReadonlyMap<number, { steps: number[]; losses: number[] }>): Figure {
  return lines({
    title: 'training loss per B',
    xTitle: 'step',
    yTitle: 'nats (bound on -log p)',
    series: [...curves].map(([b, c]) => ({ name: `B = ${b}`, x: c.steps, y: c.losses })),
  });
}

/** The held-out estimate per B as points, with bars of ± its data error (sd/sqrt(n)). */
export function likelihoodFigure(results: readonly AuxResult[], heldOutRows: number): Figure {
  const values = results
    .filter((r) => Number.isFinite(r.logLikelihood))
    .map((r) => ({
      B: r.auxDims,
      mean: r.logLikelihood,
      lo: r.logLikelihood - r.dataError,
      hi: r.logLikelihood + r.dataError,
    }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'held-out log-likelihood per B',
      subtitle: `estimate on ${heldOutRows} rows, bars ± sd/√n`,
    },
    width: 240,
    height: 200,
    data: { values },
    encoding: {
      x: { field: 'B', type: 'ordinal', title: 'B (auxiliary dimensions)', axis: { labelAngle: 0 } },
    },
    layer: [
      {
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: {
          y: { field: 'lo', type: 'quantitative', scale: { zero: false }, title: 'log p̂(x), nats per row' },
          y2: { field: 'hi' },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 70 },
        encoding: { y: { field: 'mean', type: 'quantitative' } },
      },
    ],
  } as Figure;
}

/**
 * The table of held-out estimates: per B the mean log p̂(x), its Monte Carlo error (importance
 * sampling) and data error (sd/sqrt(n)), the paired difference to the best B on the same rows, and
 * how its training ended. The best row is marked.
 */
export function likelihoodTable(results: readonly AuxResult[]): HTMLTableElement {
  const best = bestResult(results);
  const head = el(
    'tr',
    {},
    ...['B', 'held-out log p̂(x)', 'Monte Carlo ±', 'data ± (sd/√n)', 'vs best (paired)', 'training'].map(
      (h) => el('th', {}, h),
    ),
  );
  const rows = results.map((r) => {
    const difference = best === undefined || r === best ? undefined : pairedDifference(r, best);
    const vsBest =
      best === undefined
        ? ''
        : r === best
          ? 'best'
          : `${fmt(difference!.mean, 3)} ± ${fmt(difference!.error, 3)}`;
    const training = r.stopReason === 'loaded' ? 'loaded' : `${r.steps} steps, ${r.stopReason}`;
    return el(
      'tr',
      { 'data-aux-dims': String(r.auxDims), ...(r === best ? { class: 'best' } : {}) },
      el('td', {}, String(r.auxDims)),
      el('td', { class: 'number' }, fmt(r.logLikelihood, 4)),
      el(
        'td',
        { class: 'number' },
        r.auxDims === 0 ? 'exact' : `${fmt(r.monteCarloError, 4)} (S = ${r.samples})`,
      ),
      el('td', { class: 'number' }, fmt(r.dataError, 3)),
      el('td', { class: 'number' }, vsBest),
      el('td', {}, training),
    );
  });
  return el('table', { id: 'marg-table' }, el('thead', {}, head), el('tbody', {}, ...rows));
}
