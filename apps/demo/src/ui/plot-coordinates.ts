import type { Extent } from '../protocol.js';

/**
 * Where a click on a drawn single-view figure (a scatter, or a heatmap with points) falls in data
 * coordinates, given the `extent` its axes were drawn over (`xDomain`/`yDomain`, or the heatmap's
 * extent, without "nice" rounding). Vega draws the plot area as the background path of the root
 * group, so its box on screen maps linearly to the extent; undefined outside it or before a draw.
 */
export function dataCoordinates(
  container: HTMLElement,
  extent: Extent,
  event: Pick<MouseEvent, 'clientX' | 'clientY'>,
): [number, number] | undefined {
  const area = container.querySelector('svg .role-frame.root > g > path.background');
  if (area === null) return undefined;
  const box = area.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return undefined;
  const u = (event.clientX - box.left) / box.width;
  const v = (event.clientY - box.top) / box.height;
  if (u < 0 || u > 1 || v < 0 || v > 1) return undefined;
  const [x0, x1, y0, y1] = extent;
  return [x0 + u * (x1 - x0), y1 - v * (y1 - y0)];
}
