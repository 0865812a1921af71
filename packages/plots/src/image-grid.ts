import type { Figure } from './render.js';

export interface ImageGridOptions {
  /** Flattened grey images, row-major, each `width * height` values (any range: drawn min to max). */
  images: readonly (readonly number[])[];
  width: number;
  height: number;
  /** Images per row of the grid (default 10). */
  columns?: number;
  title?: string;
  /** Pixels per image pixel (default 3). */
  scale?: number;
}

/**
 * Grey images in a grid: samples of an image model (digits), one row per component.
 *
 * @example
 * ```ts
 * const fig = imageGrid({ images: samples, width: 8, height: 8, columns: 10, title: 'samples' });
 * ```
 */
export function imageGrid(options: ImageGridOptions): Figure {
  const { images, width, height } = options;
  const columns = options.columns ?? 10;
  const cells: { x: number; y: number; v: number }[] = [];
  images.forEach((image, k) => {
    if (image.length !== width * height) {
      throw new RangeError(`images[${k}]: expected ${width * height} pixels, got ${image.length}`);
    }
    const ox = (k % columns) * (width + 1);
    const oy = Math.floor(k / columns) * (height + 1);
    image.forEach((v, p) => {
      cells.push({ x: ox + (p % width), y: oy + Math.floor(p / width), v });
    });
  });
  const gridRows = Math.max(1, Math.ceil(images.length / columns));
  const pixel = options.scale ?? 3;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title === undefined ? {} : { title: options.title }),
    width: Math.min(columns, Math.max(images.length, 1)) * (width + 1) * pixel,
    height: gridRows * (height + 1) * pixel,
    data: { values: cells },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'x', type: 'ordinal', axis: null },
      y: { field: 'y', type: 'ordinal', axis: null },
      color: { field: 'v', type: 'quantitative', scale: { scheme: 'greys' }, legend: null },
    },
    config: { view: { stroke: null } },
  } as Figure;
}
