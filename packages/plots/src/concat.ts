import type { Figure } from './render.js';

/**
 * Figures side by side (wrapping after `columns`), each keeping its own scales: a map's input
 * beside its images, one panel per setting.
 *
 * @example
 * ```ts
 * const fig = panels([scatter({ points: x, color }), scatter({ points: fx, color })], { title: 'f(x)' });
 * ```
 */
export function panels(
  figures: readonly Figure[],
  options: { columns?: number; title?: string } = {},
): Figure {
  const strip = ({ $schema: _s, ...rest }: Record<string, unknown>) => rest;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title === undefined ? {} : { title: options.title }),
    columns: options.columns ?? figures.length,
    concat: figures.map((f) => strip(f as unknown as Record<string, unknown>)),
    resolve: { scale: { color: 'independent' } },
  } as unknown as Figure;
}
