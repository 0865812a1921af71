import { CATEGORY_COLORS } from './colors.js';
import type { Figure } from './render.js';
import { type ScatterOptions, scatterLayer } from './scatter.js';

export interface HeatmapOptions {
  /** Row-major values on a regular grid: `values[row * columns + col]`, row 0 at the bottom (y0). */
  values: readonly number[];
  columns: number;
  rows: number;
  /** The grid covers [x0, x1] x [y0, y1]. */
  extent: readonly [number, number, number, number];
  /** Values that are categories (e.g. a posterior's argmax) get the category palette (default false). */
  categorical?: boolean;
  /**
   * Every category, in palette order, for `categorical` values: category `categories[i]` gets
   * `CATEGORY_COLORS[i]` and the legend lists them all, even those absent from `values`. Default:
   * the categories present, colored in the order they sort.
   */
  categories?: readonly (string | number)[];
  /** Color scheme of continuous values (default 'viridis'). */
  scheme?: string;
  colorTitle?: string;
  title?: string;
  width?: number;
  height?: number;
  /** Points drawn over the grid: one set, or several layers drawn in order (e.g. with other sizes). */
  points?: ScatterOptions | readonly ScatterOptions[];
}

/**
 * A grid of values as colored cells: a learned density (`exp(logProb)` on a grid), or regions such
 * as a posterior's argmax (`categorical`), optionally with points over it.
 *
 * @example
 * ```ts
 * const fig = heatmap({ values: density, columns: 100, rows: 100, extent: [-4, 4, -4, 4], title: 'p(x)' });
 * ```
 */
export function heatmap(options: HeatmapOptions): Figure {
  const { values, columns, rows, extent } = options;
  if (!Number.isInteger(columns) || !Number.isInteger(rows) || columns < 1 || rows < 1) {
    throw new RangeError(`columns, rows: expected positive integers, got ${columns}, ${rows}`);
  }
  if (values.length !== columns * rows) {
    throw new RangeError(`values: expected ${columns * rows} (columns x rows), got ${values.length}`);
  }
  const [x0, x1, y0, y1] = extent;
  const dx = (x1 - x0) / columns;
  const dy = (y1 - y0) / rows;
  // An opaque cell reaches half a cell under the next one, which is drawn over it (the last ones are
  // clipped at the extent): abutting antialiased edges would let the background show as a grid.
  // Translucent (categorical) cells must not overlap, or the overlaps would show darker.
  const reach = options.categorical ? 1 : 1.5;
  const cells = values.map((v, i) => {
    const c = i % columns;
    const r = Math.floor(i / columns);
    return { x: x0 + c * dx, x2: x0 + (c + reach) * dx, y: y0 + r * dy, y2: y0 + (r + reach) * dy, v };
  });
  const xScale = { domain: [x0, x1], nice: false, zero: false };
  const yScale = { domain: [y0, y1], nice: false, zero: false };
  const grid = {
    data: { values: cells },
    mark: { type: 'rect' as const, opacity: options.categorical ? 0.35 : 1, clip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative' as const, scale: xScale, title: null },
      x2: { field: 'x2' },
      y: { field: 'y', type: 'quantitative' as const, scale: yScale, title: null },
      y2: { field: 'y2' },
      color: options.categorical
        ? {
            field: 'v',
            type: 'nominal' as const,
            title: options.colorTitle ?? null,
            ...(options.categories === undefined
              ? {}
              : {
                  scale: {
                    domain: [...options.categories],
                    range: options.categories.map((_, i) => CATEGORY_COLORS[i % CATEGORY_COLORS.length]!),
                  },
                }),
          }
        : {
            field: 'v',
            type: 'quantitative' as const,
            scale: { scheme: options.scheme ?? 'viridis' },
            title: options.colorTitle ?? null,
          },
    },
  };
  const pointSets =
    options.points === undefined ? [] : 'points' in options.points ? [options.points] : options.points;
  const layers = [
    grid,
    ...pointSets.map((set) => scatterLayer({ ...set, xDomain: [x0, x1], yDomain: [y0, y1] })),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title === undefined ? {} : { title: options.title }),
    width: options.width ?? 260,
    height: options.height ?? 260,
    layer: layers,
    resolve: { scale: { color: 'independent' } },
  } as Figure;
}
