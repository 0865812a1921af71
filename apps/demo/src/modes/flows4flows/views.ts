import { type Figure, panels, positionColors, scatter } from '@diffeo/plots';
import type { F4FMapView } from './protocol.js';

/** The target data under the images. */
const GREY = '#c8c8c8';
const SIZE = 250;

/** One range for both axes of every panel: all plotted points, with a margin. */
function domainOf(sets: number[][][]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const rows of sets) {
    for (const row of rows) {
      for (const v of row.slice(0, 2)) {
        if (!Number.isFinite(v)) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (!(hi > lo)) return [-1, 1];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** Colored points over grey ones, in one panel. */
function overlay(
  title: string,
  grey: number[][],
  points: number[][],
  color: string[],
  domain: [number, number],
) {
  return scatter({
    title,
    points: [...grey, ...points],
    color: [...grey.map(() => GREY), ...color],
    xDomain: domain,
    yDomain: domain,
    size: 7,
    width: SIZE,
    height: SIZE,
  });
}

/** Names of the two sides in titles: data set names, or conditions. */
export interface SideNames {
  input: string;
  target: string;
}

/** Before a map: the inputs colored by where they sit, and the target data in grey. */
export function dataFigure(input: number[][], target: number[][], names: SideNames): Figure {
  const domain = domainOf([input, target]);
  return panels(
    [
      overlay(`input: ${names.input}`, [], input, positionColors(input), domain),
      overlay(`target: ${names.target}`, target, [], [], domain),
    ],
    { title: 'The data: each input point is colored by where it sits' },
  );
}

/**
 * The paper's figures: the inputs colored by position, their images under the flow for flows in the
 * same colors, and the base transfer's images, both over the target data in grey.
 */
export function mapFigure(view: F4FMapView, names: SideNames): Figure {
  const color = positionColors(view.input);
  const domain = domainOf([view.input, view.target, view.images, view.transfer]);
  return panels(
    [
      overlay(`input: ${names.input}`, [], view.input, color, domain),
      overlay(`flow for flows → ${names.target}`, view.target, view.images, color, domain),
      overlay(`base transfer → ${names.target}`, view.target, view.transfer, color, domain),
    ],
    {
      title: `Each input point keeps its color in its image (grey: the target data), map step ${view.step}`,
    },
  );
}
