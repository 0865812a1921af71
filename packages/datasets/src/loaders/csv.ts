import { NonFiniteError, ShapeError } from '@diffeo/core';
import { z } from 'zod';
import type { DataArrays } from '../types.js';
import { type ColumnOptions, columnLabel, columnOptionsShape, parseOptions, tableToData } from './table.js';

const csvOptionsSchema = z.strictObject({
  header: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  delimiter: z
    .string()
    .length(1)
    .refine((d) => d !== '"' && d !== '\n' && d !== '\r', 'not a quote or newline')
    .default(','),
  ...columnOptionsShape,
});

/** The options of {@link parseCsv}. */
export interface CsvOptions extends ColumnOptions {
  /**
   * Whether the first non-blank line is a header of column names. 'auto' (default): it is when
   * none of its cells is a number.
   */
  header?: boolean | 'auto';
  /** One character; default ','. Use '\t' for TSV, ';' for European spreadsheets. */
  delimiter?: string;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/** Splits one line into cells; a cell may be quoted ("a, b"), with "" for a quote inside. */
function splitLine(line: string, delimiter: string, where: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    while (line[i] === ' ' || line[i] === '\t') {
      if (line[i] === delimiter) break;
      i++;
    }
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new ShapeError(`${where}: a quoted cell is not closed`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += line[i];
        i++;
      }
      while (i < line.length && line[i] !== delimiter) {
        if (line[i] !== ' ' && line[i] !== '\t') throw new ShapeError(`${where}: text after a closing quote`);
        i++;
      }
    } else {
      const end = line.indexOf(delimiter, i);
      cell = (end < 0 ? line.slice(i) : line.slice(i, end)).trim();
      i = end < 0 ? line.length : end;
    }
    cells.push(cell);
    if (i >= line.length) return cells;
    i++; // the delimiter
  }
}

/**
 * Parses CSV text of numbers into {@link DataArrays}. Every column goes to `x` except the
 * `labelColumn` (non-negative integers, to `labels`) and the `contextColumns` (to `context`).
 * Blank lines are skipped; cells may be quoted; a leading byte-order mark is ignored.
 *
 * Bad data fails with a message naming the place, rows and columns counted from 1 like an
 * editor, rows counting data rows only (the line number and whether a header was skipped are
 * given too): ragged rows and empty text are a `ShapeError`, empty or non-numeric cells and
 * NaN/Infinity a `NonFiniteError`, bad options (an unknown column name, a label that is not an
 * integer) a `ConfigError`.
 *
 * @example
 * ```ts
 * const data = parseCsv('x,y,class\n0.5,1.2,0\n-0.3,0.8,1\n', { labelColumn: 'class' });
 * // data.n 2, data.dim 2, data.labels Int32Array [0, 1]
 * ```
 */
export function parseCsv(text: string, options: CsvOptions = {}): DataArrays {
  return parseCsvText('parseCsv', text, options);
}

/** {@link parseCsv} with the caller's name in messages (e.g. `loadCsvFile(digits.csv)`). */
export function parseCsvText(where: string, text: string, options: CsvOptions = {}): DataArrays {
  const opts = parseOptions(where, csvOptionsSchema, options);
  if (typeof text !== 'string') throw new ShapeError(`${where}: text: expected a string, got ${typeof text}`);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  let lineIndex = 0;
  while (lineIndex < lines.length && lines[lineIndex]!.trim() === '') lineIndex++;
  if (lineIndex === lines.length)
    throw new ShapeError(`${where}: text: expected at least one row, got an empty text`);

  const firstCells = splitLine(lines[lineIndex]!, opts.delimiter, `${where}: line ${lineIndex + 1}`);
  const hasHeader =
    opts.header === 'auto'
      ? firstCells.every((c) => c !== '' && !NUMBER.test(c) && !NON_FINITE.test(c))
      : opts.header;
  let names: string[] | undefined;
  let headerLine: number | undefined;
  if (hasHeader) {
    names = firstCells;
    headerLine = lineIndex + 1;
    lineIndex++;
  }
  const columns = firstCells.length;
  const afterHeader = headerLine === undefined ? '' : `, after the header on line ${headerLine}`;
  const lineOfRow: number[] = [];
  const rowLabel = (r: number) => `row ${r + 1} (line ${lineOfRow[r]}${afterHeader})`;

  const values: number[] = [];
  for (; lineIndex < lines.length; lineIndex++) {
    const line = lines[lineIndex]!;
    if (line.trim() === '') continue;
    const r = lineOfRow.length;
    lineOfRow.push(lineIndex + 1);
    const cells = splitLine(line, opts.delimiter, `${where}: ${rowLabel(r)}`);
    if (cells.length !== columns) {
      const like = names === undefined ? 'row 1' : 'the header';
      throw new ShapeError(
        `${where}: ${rowLabel(r)}: expected ${columns} columns like ${like}, got ${cells.length}`,
      );
    }
    for (let c = 0; c < columns; c++) {
      const cell = cells[c]!;
      if (!NUMBER.test(cell)) {
        const got = cell === '' ? 'an empty cell' : NON_FINITE.test(cell) ? cell : `'${cell}'`;
        throw new NonFiniteError(
          `${where}: ${rowLabel(r)}, ${columnLabel(c, names)}: expected a finite number, got ${got}`,
        );
      }
      const v = Number(cell);
      if (!Number.isFinite(v)) {
        throw new NonFiniteError(
          `${where}: ${rowLabel(r)}, ${columnLabel(c, names)}: '${cell}' overflows to ${v}`,
        );
      }
      values.push(v);
    }
  }
  const rows = lineOfRow.length;
  if (rows === 0) {
    throw new ShapeError(
      `${where}: text: expected at least one data row, got only the header on line ${headerLine}`,
    );
  }
  const table = { values: Float64Array.from(values), rows, columns, rowLabel, ...(names ? { names } : {}) };
  return tableToData(where, table, opts);
}
