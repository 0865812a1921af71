import { ConfigError, NonFiniteError, ShapeError } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('parses numbers, detects a header, and takes label and context columns by name or index', () => {
    const text = '\uFEFFx,y,angle,class\n0.5,1.25,0.1,0\n\n-3e-1, .8 ,"0.2",1\r\n1,2,0.3,2\n';
    const data = parseCsv(text, { labelColumn: 'class', contextColumns: ['angle'] });
    expect(data.n).toBe(3);
    expect(data.dim).toBe(2);
    expect(Array.from(data.x)).toEqual([0.5, 1.25, -0.3, 0.8, 1, 2].map(Math.fround));
    expect(Array.from(data.labels!)).toEqual([0, 1, 2]);
    expect(data.contextDim).toBe(1);
    expect(Array.from(data.context!)).toEqual([0.1, 0.2, 0.3].map(Math.fround));
    const noHeader = parseCsv('1;2;3\n4;5;6', { delimiter: ';', labelColumn: -1 });
    expect(noHeader.n).toBe(2);
    expect(Array.from(noHeader.x)).toEqual([1, 2, 4, 5]);
    expect(Array.from(noHeader.labels!)).toEqual([3, 6]);
    expect(parseCsv('a\tb\n1\t2', { delimiter: '\t' }).x).toEqual(new Float32Array([1, 2]));
    // A first row with one number is data, not a header: its bad cell is reported.
    expect(() => parseCsv('1,2,x\n3,4,5')).toThrow(
      /row 1 \(line 1\), column 3: expected a finite number, got 'x'/,
    );
  });

  it('names the row, line and column of bad cells, and says when a header was skipped', () => {
    const cases: [string, object, typeof ShapeError, RegExp][] = [
      [
        'a,b\n1,2\n3\n',
        {},
        ShapeError,
        /parseCsv: row 2 \(line 3, after the header on line 1\): expected 2 columns like the header, got 1/,
      ],
      ['1,2\n3,4,5', {}, ShapeError, /row 2 \(line 2\): expected 2 columns like row 1, got 3/],
      [
        'a,b\n1,2\n3,oops',
        {},
        NonFiniteError,
        /row 2 \(line 3, after the header on line 1\), column 2 \('b'\): expected a finite number, got 'oops'/,
      ],
      ['1,2\n3,NaN', {}, NonFiniteError, /row 2 \(line 2\), column 2: expected a finite number, got NaN/],
      ['1,2\n-inf,4', {}, NonFiniteError, /row 2 \(line 2\), column 1: expected a finite number, got -inf/],
      ['1,,3', {}, NonFiniteError, /row 1 \(line 1\), column 2: expected a finite number, got an empty cell/],
      ['1,1e999', {}, NonFiniteError, /column 2: '1e999' overflows to Infinity/],
      ['1,1e39', {}, NonFiniteError, /row 1 \(line 1\), column 2: 1e\+39 does not fit float32/],
      ['', {}, ShapeError, /parseCsv: text: expected at least one row, got an empty text/],
      ['a,b\n\n', {}, ShapeError, /expected at least one data row, got only the header on line 1/],
      ['1,"2', {}, ShapeError, /parseCsv: line 1: a quoted cell is not closed/],
      ['1,2\n3,"4" x', {}, ShapeError, /row 2 \(line 2\): text after a closing quote/],
      [
        '1,2\n3,4',
        { labelColumn: 'y' },
        ConfigError,
        /labelColumn: 'y' names a column, but the data has no header/,
      ],
      [
        'a,b\n1,2',
        { labelColumn: 'c' },
        ConfigError,
        /labelColumn: no column named 'c' \(columns: 'a', 'b'\)/,
      ],
      [
        '1,2\n3,4',
        { labelColumn: 2 },
        ConfigError,
        /labelColumn: expected a column index in \[-2, 1\], got 2/,
      ],
      [
        'a,b\n1,0.5',
        { labelColumn: 'b' },
        ConfigError,
        /labelColumn \(column 2 \('b'\)\): row 1 \(line 2, after the header on line 1\) holds 0.5, expected a non-negative integer/,
      ],
      ['1,2\n3,4', { labelColumn: 0, contextColumns: [0] }, ConfigError, /column 1 is selected twice/],
      ['1,2', { labelColumn: 0, contextColumns: [1] }, ConfigError, /no data columns left/],
      ['1,2', { delimiter: ';;' }, ConfigError, /parseCsv options\.delimiter/],
      ['1,2', { header: 'yes' }, ConfigError, /parseCsv options\.header/],
      ['1,2', { labels: 1 }, ConfigError, /Unrecognized key: "labels"/],
    ];
    for (const [text, options, type, message] of cases) {
      expect(() => parseCsv(text, options)).toThrow(type);
      expect(() => parseCsv(text, options)).toThrow(message);
    }
  });

  it('honours an explicit header flag', () => {
    expect(parseCsv('1,2\n3,4', { header: true }).n).toBe(1);
    expect(() => parseCsv('a,b\n3,4', { header: false })).toThrow(
      /row 1 \(line 1\), column 1: expected a finite number, got 'a'/,
    );
  });
});
