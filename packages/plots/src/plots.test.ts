import { describe, expect, it } from 'vitest';
import {
  CATEGORY_COLORS,
  heatmap,
  imageGrid,
  lines,
  panels,
  positionColors,
  renderSvg,
  scatter,
} from './index.js';

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;

describe('renderSvg', () => {
  it('draws one circle per point, in the colors given', async () => {
    const points = [
      [0, 0],
      [1, 2],
      [-1, 3],
    ];
    const svg = await renderSvg(scatter({ points, color: ['#ff0000', '#00ff00', '#0000ff'] }));
    expect(svg.startsWith('<svg')).toBe(true);
    for (const c of ['#ff0000', '#00ff00', '#0000ff']) expect(svg).toContain(c);
    expect(count(svg, /aria-label="x: /g)).toBe(3);
  });

  it('draws one cell per grid value and categories from the palette', async () => {
    const svg = await renderSvg(
      heatmap({ values: [0, 1, 2, 3, 4, 5], columns: 3, rows: 2, extent: [0, 3, 0, 2] }),
    );
    expect(count(svg, /aria-label="x: /g)).toBe(6);
    await expect(
      renderSvg(
        heatmap({
          values: [0, 1, 1, 0],
          columns: 2,
          rows: 2,
          extent: [0, 1, 0, 1],
          categorical: true,
          points: { points: [[0.5, 0.5]], color: [1] },
        }),
      ),
    ).resolves.toContain('<svg');
  });

  it('gives each of the listed categories its palette color, present or not, and draws point layers in order', async () => {
    // Only categories 1 and 3 of 0..3 are present: they keep the second and fourth colors.
    const svg = await renderSvg(
      heatmap({
        values: [1, 3, 3, 1],
        columns: 2,
        rows: 2,
        extent: [0, 1, 0, 1],
        categorical: true,
        categories: [0, 1, 2, 3],
        points: [
          { points: [[0.2, 0.2]], color: ['#ff0000'] },
          { points: [[0.8, 0.8]], color: ['#00ff00'], size: 80, stroke: '#000000' },
        ],
      }),
    );
    const cellFills = [...svg.matchAll(/aria-label="x: [^"]*; v: (\d)"[^>]*fill="(#[0-9a-f]{6})"/g)].map(
      (m) => [Number(m[1]), m[2]],
    );
    expect(cellFills).toHaveLength(4);
    for (const [v, fill] of cellFills) expect(fill).toBe(CATEGORY_COLORS[v as number]);
    // the legend lists all four categories
    for (const c of CATEGORY_COLORS.slice(0, 4)) expect(svg).toContain(`fill="${c}"`);
    expect(svg.indexOf('#ff0000')).toBeLessThan(svg.indexOf('#00ff00'));
    expect(svg).toMatch(/fill="#00ff00"[^>]*stroke="#000000"/);
  });

  it('draws curves, image grids and panels', async () => {
    const curve = lines({ series: [{ name: 'train', x: [1, 2, 3], y: [3, 2, Number.NaN] }], xTitle: 'step' });
    expect((curve as { data: { values: unknown[] } }).data.values).toHaveLength(2);
    const grid = imageGrid({ images: [Array(4).fill(0), Array(4).fill(1)], width: 2, height: 2, columns: 2 });
    const svg = await renderSvg(panels([curve, grid]));
    expect(svg).toContain('step');
  });
});

describe('figure checks', () => {
  it('refuses mismatched sizes with the argument named', () => {
    expect(() => scatter({ points: [[0, 0]], color: ['#000000', '#ffffff'] })).toThrow(/color: expected 1/);
    expect(() => heatmap({ values: [1, 2], columns: 2, rows: 2, extent: [0, 1, 0, 1] })).toThrow(
      /values: expected 4/,
    );
    expect(() => imageGrid({ images: [[1, 2, 3]], width: 2, height: 2 })).toThrow(/images\[0\]: expected 4/);
  });

  it('colors points by angle: opposite points get different hues, the same point the same color', () => {
    const c = positionColors([
      [1, 0],
      [-1, 0],
      [1, 0],
      [0, 1],
    ]);
    expect(c[0]).toBe(c[2]);
    expect(c[0]).not.toBe(c[1]);
    expect(c[3]).not.toBe(c[0]);
    for (const hex of c) expect(hex).toMatch(/^#[0-9a-f]{6}$/);
  });
});
