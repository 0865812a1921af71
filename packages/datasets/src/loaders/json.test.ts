import { ConfigError, NonFiniteError, SerializationError, ShapeError } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { parseJsonArray } from './json.js';

describe('parseJsonArray', () => {
  it('parses an array of rows or a flat array, with label and context columns by index', () => {
    const data = parseJsonArray('[[0.5, 1, 0.1, 0], [2, 3, 0.2, 1]]', {
      labelColumn: -1,
      contextColumns: [2],
    });
    expect(data.n).toBe(2);
    expect(data.dim).toBe(2);
    expect(Array.from(data.x)).toEqual([0.5, 1, 2, 3]);
    expect(Array.from(data.labels!)).toEqual([0, 1]);
    expect(Array.from(data.context!)).toEqual([0.1, 0.2].map(Math.fround));
    const flat = parseJsonArray('[1, 2, 3]');
    expect([flat.n, flat.dim]).toEqual([3, 1]);
  });

  it('accepts a leading byte order mark, as loadJsonFile does', () => {
    const data = parseJsonArray('\uFEFF[[1, 2], [3, 4]]');
    expect([data.n, data.dim]).toEqual([2, 2]);
    expect(Array.from(data.x)).toEqual([1, 2, 3, 4]);
  });

  it('names the row and column of bad values', () => {
    const cases: [string, object, typeof ShapeError, RegExp][] = [
      ['[[1, 2], [3', {}, SerializationError, /parseJsonArray: text: expected JSON, got a parse error/],
      ['{"a": 1}', {}, ShapeError, /text: expected a JSON array of rows, got an object/],
      ['[]', {}, ShapeError, /expected at least one row, got \[\]/],
      ['[[1, 2], [3]]', {}, ShapeError, /row 2: expected 2 columns like row 1, got 1/],
      ['[[1, 2], 3]', {}, ShapeError, /row 2: expected an array of 2 numbers like row 1, got 3/],
      ['[1, [2]]', {}, ShapeError, /row 2: expected a number like row 1 \(a flat array\), got an array/],
      ['[[1, 2], [3, null]]', {}, NonFiniteError, /row 2, column 2: expected a finite number, got null/],
      ['[[1, "2"]]', {}, NonFiniteError, /row 1, column 2: expected a finite number, got "2"/],
      ['[[1, 1e999]]', {}, NonFiniteError, /row 1, column 2: expected a finite number, got Infinity/],
      [
        '[[1, 2]]',
        { labelColumn: 'y' },
        ConfigError,
        /parseJsonArray options\.labelColumn: JSON rows have no column names/,
      ],
      ['[[1, 2.5]]', { labelColumn: 1 }, ConfigError, /labelColumn \(column 2\): row 1 holds 2.5/],
    ];
    for (const [text, options, type, message] of cases) {
      expect(() => parseJsonArray(text, options)).toThrow(type);
      expect(() => parseJsonArray(text, options)).toThrow(message);
    }
  });
});
