/**
 * @diffeo/plots: the figures of Diffeo's experiments and demo as Vega-Lite specs (samples colored
 * by label or by where they started, densities and regions on a grid, curves, image grids, panels),
 * and `renderSvg`, which draws a spec to SVG in Node and in a page alike.
 *
 * @packageDocumentation
 */
export { CATEGORY_COLORS, positionColors } from './colors.js';
export { panels } from './concat.js';
export { type HeatmapOptions, heatmap } from './heatmap.js';
export { type ImageGridOptions, imageGrid } from './image-grid.js';
export { type LinesOptions, lines, type Series } from './lines.js';
export { type Figure, renderSvg } from './render.js';
export { type ScatterOptions, scatter, scatterLayer } from './scatter.js';
