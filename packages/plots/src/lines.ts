import type { Figure } from './render.js';

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
}

export interface LinesOptions {
  series: readonly Series[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** A logarithmic x axis (e.g. importance samples S). */
  logX?: boolean;
  width?: number;
  height?: number;
}

/**
 * Curves against a common x: training and validation losses over steps, a metric against B or S.
 * Non-finite values are left out of the curve.
 *
 * @example
 * ```ts
 * const fig = lines({ series: [{ name: 'train', x: steps, y: losses }], xTitle: 'step', yTitle: 'NLL' });
 * ```
 */
export function lines(options: LinesOptions): Figure {
  const values = options.series.flatMap((s) => {
    if (s.x.length !== s.y.length) {
      throw new RangeError(`series '${s.name}': x has ${s.x.length} values, y has ${s.y.length}`);
    }
    return s.x.flatMap((x, i) =>
      Number.isFinite(x) && Number.isFinite(s.y[i]) ? [{ series: s.name, x, y: s.y[i] }] : [],
    );
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title === undefined ? {} : { title: options.title }),
    width: options.width ?? 320,
    height: options.height ?? 200,
    data: { values },
    mark: { type: 'line', point: values.length <= 200 },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: options.xTitle ?? null,
        scale: options.logX ? { type: 'log' } : { zero: false },
      },
      y: { field: 'y', type: 'quantitative', title: options.yTitle ?? null, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  } as Figure;
}
