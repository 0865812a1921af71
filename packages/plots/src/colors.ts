/** Ten distinguishable category colors (Tableau 10), the palette every figure uses for labels and components. */
export const CATEGORY_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(255 * c)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/**
 * A color for each 2-D point from where it sits: hue from its angle around the points' centre,
 * lightness from its distance. Drawing a map's images with their inputs' colors shows where each
 * point went (the flows-for-flows paper's figures).
 *
 * @example
 * ```ts
 * import { panels, positionColors, scatter } from '@diffeo/plots';
 *
 * const inputs = [[1, 0], [0, 1], [-1, 0], [0, -1]];
 * const images = [[2, 0], [0, 1], [-2, 0], [0, -1]]; // where a map sent each input
 * const color = positionColors(inputs); // one '#rrggbb' per point, from its angle and radius
 * const fig = panels([scatter({ points: inputs, color }), scatter({ points: images, color })]);
 * ```
 */
export function positionColors(points: readonly (readonly number[])[]): string[] {
  const n = points.length;
  if (n === 0) return [];
  let cx = 0;
  let cy = 0;
  for (const p of points) {
    cx += p[0]! / n;
    cy += p[1]! / n;
  }
  const radii = points.map((p) => Math.hypot(p[0]! - cx, p[1]! - cy));
  const maxR = Math.max(...radii) || 1;
  return points.map((p, i) => {
    const hue = ((Math.atan2(p[1]! - cy, p[0]! - cx) * 180) / Math.PI + 360) % 360;
    return hslToHex(hue, 0.75, 0.3 + 0.4 * (radii[i]! / maxR));
  });
}
