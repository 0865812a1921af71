import { CATEGORY_COLORS, type Figure, heatmap, type ScatterOptions, scatterLayer } from '@diffeo/plots';
import type { Extent, Grid } from '../../protocol.js';
import type { Label } from './labels.js';

/** The color of component k: the regions' palette, so points, regions and the label menu agree. */
export const colorOf = (k: number) => CATEGORY_COLORS[k % CATEGORY_COLORS.length]!;

/** The posterior's argmax on a grid, with the model's K. */
export interface Regions {
  grid: Grid;
  components: number;
}

/** Rows inside the plotted box (with their colors), so that the axes stay on the extent. */
function inside(rows: readonly (readonly number[])[], colors: readonly string[], extent: Extent) {
  const [x0, x1, y0, y1] = extent;
  const keep = rows.flatMap((p, i) => (p[0]! >= x0 && p[0]! <= x1 && p[1]! >= y0 && p[1]! <= y1 ? [i] : []));
  return { points: keep.map((i) => rows[i]!), color: keep.map((i) => colors[i]!) };
}

/** Layers of points over the regions of the posterior's argmax when there are some (2-D), else alone. */
function over(title: string, layers: ScatterOptions[], extent: Extent, regions: Regions | undefined): Figure {
  if (regions !== undefined) {
    return heatmap({
      ...regions.grid,
      categorical: true,
      categories: Array.from({ length: regions.components }, (_, k) => k),
      colorTitle: 'argmax q(z|x)',
      title,
      points: layers,
    });
  }
  const [x0, x1, y0, y1] = extent;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 260,
    height: 260,
    layer: layers.map((layer) => scatterLayer({ ...layer, xDomain: [x0, x1], yDomain: [y0, y1] })),
  } as Figure;
}

/** The paper's Figure 6: samples colored by the component that drew them, over the regions. */
export function samplesFigure(
  samples: readonly (readonly number[])[],
  components: readonly number[],
  extent: Extent,
  regions: Regions | undefined,
  title: string,
): Figure {
  const layer = inside(samples, components.map(colorOf), extent);
  return over(title, [{ ...layer, size: 10 }], extent, regions);
}

/**
 * The data colored by cluster (grey before a model) over the regions, with the labelled points
 * larger, outlined and colored by their label. The axes are exactly `extent`, so a click maps back
 * to data coordinates.
 */
export function dataFigure(
  points: readonly (readonly number[])[],
  clusters: readonly number[] | undefined,
  labels: readonly Label[],
  extent: Extent,
  regions: Regions | undefined,
): Figure {
  const colors = points.map((_, i) => (clusters === undefined ? '#555555' : colorOf(clusters[i]!)));
  const layers: ScatterOptions[] = [{ ...inside(points, colors, extent), size: 8 }];
  if (labels.length > 0) {
    const labelled = inside(
      labels.map((l) => l.row),
      labels.map((l) => colorOf(l.label)),
      extent,
    );
    layers.push({ ...labelled, size: 110, stroke: '#111111' });
  }
  return over('data by cluster: click a point to label it', layers, extent, regions);
}
