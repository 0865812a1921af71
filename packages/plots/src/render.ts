import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A figure: a Vega-Lite spec, drawn by {@link renderSvg} in Node or by any Vega-Lite embedder in a page. */
export type Figure = TopLevelSpec;

/**
 * Renders a figure to an SVG string, without a DOM or a canvas, so the bench (in Node) and the demo
 * (in a page) draw the same picture from the same spec.
 *
 * Data marks are hidden from screen readers (`aria: false` unless the figure's `config.mark` says
 * otherwise): Vega would give every point and cell its own label, most of the bytes of a scatter
 * of thousands of points and a node each in the page's accessibility tree. Axes and legends keep
 * their descriptions. Coordinates are written to 0.01 px.
 *
 * @example
 * ```ts
 * const svg = await renderSvg(scatter({ points: [[0, 0], [1, 1]], title: 'two points' }));
 * ```
 */
export async function renderSvg(figure: Figure): Promise<string> {
  const config = figure.config ?? {};
  const spec = { ...figure, config: { ...config, mark: { aria: false, ...config.mark } } } as Figure;
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return roundCoordinates(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/** The numbers with more than three decimals in `d` and `transform` attributes to two (halves away from zero). */
export function roundCoordinates(svg: string): string {
  const round = (n: string) => {
    const magnitude = Math.round(Math.abs(Number(n)) * 100) / 100;
    return String(n.startsWith('-') && magnitude !== 0 ? -magnitude : magnitude);
  };
  return svg.replace(/ (d|transform)="([^"]*)"/g, (_, name: string, value: string) => {
    return ` ${name}="${value.replace(/-?\d+\.\d{4,}(e-?\d+)?/g, round)}"`;
  });
}
