import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A figure: a Vega-Lite spec, drawn by {@link renderSvg} in Node or by any Vega-Lite embedder in a page. */
export type Figure = TopLevelSpec;

/**
 * Renders a figure to an SVG string, without a DOM or a canvas, so the bench (in Node) and the demo
 * (in a page) draw the same picture from the same spec.
 *
 * @example
 * ```ts
 * const svg = await renderSvg(scatter({ points: [[0, 0], [1, 1]], title: 'two points' }));
 * ```
 */
export async function renderSvg(figure: Figure): Promise<string> {
  const view = new View(parse(compile(figure).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
