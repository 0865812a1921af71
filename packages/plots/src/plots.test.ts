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
import { roundCoordinates } from './render.js';

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;

/** The items of the data marks of one type (`symbol`, `rect`, `line`), in drawing order. */
function items(svg: string, mark: string): string[] {
  const groups = [...svg.matchAll(new RegExp(`<g class="mark-${mark} role-mark[^>]*>(.*?)</g>`, 'g'))];
  return groups.flatMap((g) => g[1]!.match(/<path [^>]*>/g) ?? []);
}

describe('renderSvg', () => {
  it('draws one circle per point, in the colors given', async () => {
    const points = [
      [0, 0],
      [1, 2],
      [-1, 3],
    ];
    const svg = await renderSvg(scatter({ points, color: ['#ff0000', '#00ff00', '#0000ff'] }));
    expect(svg.startsWith('<svg')).toBe(true);
    const drawn = items(svg, 'symbol');
    expect(drawn.map((p) => p.match(/fill="([^"]*)"/)![1])).toEqual(['#ff0000', '#00ff00', '#0000ff']);
  });

  it('hides the data marks from screen readers, keeps the axes described, and writes coordinates to 0.01 px', async () => {
    const points = [
      [0.1, 1 / 3],
      [2 / 3, 0.9],
    ];
    const svg = await renderSvg(scatter({ points }));
    const drawn = items(svg, 'symbol');
    expect(drawn).toHaveLength(2);
    for (const p of drawn) expect(p).toContain('aria-hidden="true"');
    expect(svg).not.toMatch(/aria-label="x: /);
    expect(svg).toMatch(/aria-label="X-axis for a linear scale/);
    const translations = drawn.map((p) =>
      p
        .match(/translate\(([^,]*),([^)]*)\)/)!
        .slice(1)
        .map(Number),
    );
    for (const [x, y] of translations) {
      expect(Math.round(x! * 100) / 100).toBe(x);
      expect(Math.round(y! * 100) / 100).toBe(y);
    }
    // A figure that asks for its marks' descriptions keeps them.
    const described = await renderSvg({ ...scatter({ points }), config: { mark: { aria: true } } });
    expect(count(described, /aria-label="x: /g)).toBe(2);
  });

  it('rounds only the long numbers of d and transform attributes, halves away from zero', () => {
    const svg =
      '<path d="M1.225,0A-86.666666666,65h130.00000000000003" transform="translate(-0.125001,2)"/><text>0.123456</text>';
    expect(roundCoordinates(svg)).toBe(
      '<path d="M1.225,0A-86.67,65h130" transform="translate(-0.13,2)"/><text>0.123456</text>',
    );
  });

  it('draws one cell per grid value and categories from the palette', async () => {
    const svg = await renderSvg(
      heatmap({ values: [0, 1, 2, 3, 4, 5], columns: 3, rows: 2, extent: [0, 3, 0, 2] }),
    );
    expect(items(svg, 'rect')).toHaveLength(6);
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
    const cellFills = items(svg, 'rect').map((p) => p.match(/fill="([^"]*)"/)![1]);
    expect(cellFills).toEqual([1, 3, 3, 1].map((v) => CATEGORY_COLORS[v]));
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
