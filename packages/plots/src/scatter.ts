import { CATEGORY_COLORS } from './colors.js';
import type { Figure } from './render.js';

export interface ScatterOptions {
  /** Rows `[x, y]` (extra columns are ignored). */
  points: readonly (readonly number[])[];
  /**
   * Per point: a CSS color (drawn as given, e.g. from `positionColors`) or a category (number or
   * label, drawn from the category palette with a legend). Default: one color.
   */
  color?: readonly (string | number)[];
  /** Legend title of categories. */
  colorTitle?: string;
  title?: string;
  /** Axis ranges; default: fitted to the points. */
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
  /** Marker area in square pixels (default 6). */
  size?: number;
  /** Outline color of every marker (CSS); default: none. */
  stroke?: string;
  width?: number;
  height?: number;
}

const isCss = (c: string | number) => typeof c === 'string' && c.startsWith('#');

/**
 * The scatter layer of {@link scatter}, for layering over a background such as a heatmap.
 *
 * @example
 * ```ts
 * import { type Figure, renderSvg, scatterLayer } from '@diffeo/plots';
 *
 * // Samples over a vertical rule at x = 0, in one Vega-Lite layered spec.
 * const fig = {
 *   $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
 *   width: 260,
 *   height: 260,
 *   layer: [
 *     { data: { values: [{ x: 0 }] }, mark: 'rule', encoding: { x: { field: 'x', type: 'quantitative' } } },
 *     scatterLayer({ points: [[-1, 0.5], [0.5, 1], [1, -1]], color: [0, 1, 1] }),
 *   ],
 * } as Figure;
 * const svg = await renderSvg(fig);
 * ```
 */
export function scatterLayer(options: ScatterOptions) {
  const { points, color } = options;
  if (color !== undefined && color.length !== points.length) {
    throw new RangeError(`color: expected ${points.length} entries (one per point), got ${color.length}`);
  }
  const css = color?.every(isCss) === true;
  const values = points.map((p, i) => ({
    x: p[0],
    y: p[1],
    ...(color === undefined ? {} : { c: color[i] }),
  }));
  const scale = (domain: readonly [number, number] | undefined) =>
    domain === undefined ? { zero: false } : { domain: [...domain], nice: false };
  return {
    data: { values },
    mark: {
      type: 'circle' as const,
      size: options.size ?? 6,
      opacity: 0.7,
      ...(options.stroke === undefined ? {} : { stroke: options.stroke, strokeWidth: 1.5, strokeOpacity: 1 }),
    },
    encoding: {
      x: { field: 'x', type: 'quantitative' as const, scale: scale(options.xDomain), title: null },
      y: { field: 'y', type: 'quantitative' as const, scale: scale(options.yDomain), title: null },
      ...(color === undefined
        ? {}
        : css
          ? { color: { field: 'c', type: 'nominal' as const, scale: null, legend: null } }
          : {
              color: {
                field: 'c',
                type: 'nominal' as const,
                scale: { range: [...CATEGORY_COLORS] },
                title: options.colorTitle ?? null,
              },
            }),
    },
  };
}

/**
 * A 2-D scatter plot of samples or data, optionally colored per point.
 *
 * @example
 * ```ts
 * const fig = scatter({ points: samples, color: labels, colorTitle: 'component', title: 'samples' });
 * await writeFile('samples.svg', await renderSvg(fig));
 * ```
 */
export function scatter(options: ScatterOptions): Figure {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title === undefined ? {} : { title: options.title }),
    width: options.width ?? 260,
    height: options.height ?? 260,
    ...scatterLayer(options),
  } as Figure;
}
