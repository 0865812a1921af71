import { NonFiniteError, SerializationError, ShapeError } from '@diffeo/core';
import { z } from 'zod';
import type { DataArrays } from '../types.js';
import { type ColumnOptions, columnOptionsShape, parseOptions, tableToData } from './table.js';

const jsonOptionsSchema = z.strictObject({
  labelColumn: columnOptionsShape.labelColumn.refine(
    (c) => typeof c !== 'string',
    'JSON rows have no column names: give an index',
  ),
  contextColumns: z.array(z.number().int()).min(1).optional(),
});

/** The options of {@link parseJsonArray}: label and context columns by index (rows have no names). */
export interface JsonArrayOptions extends ColumnOptions {
  labelColumn?: number;
  contextColumns?: number[];
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}

/**
 * Parses a JSON array of rows (`[[0.5, 1.2], [-0.3, 0.8]]`) into {@link DataArrays}; a flat array
 * of numbers is one column. Label and context columns are chosen by index as in `parseCsv`.
 * Text that is not JSON is a `SerializationError`; anything but an array of equally long arrays of
 * numbers is a `ShapeError` or, for a cell that is not a number (null, a string), a
 * `NonFiniteError`, naming the row and column counted from 1.
 *
 * @example
 * ```ts
 * const data = parseJsonArray('[[0.5, 1.2, 0], [-0.3, 0.8, 1]]', { labelColumn: -1 });
 * ```
 */
export function parseJsonArray(text: string, options: JsonArrayOptions = {}): DataArrays {
  return parseJsonText('parseJsonArray', text, options);
}

/** {@link parseJsonArray} with the caller's name in messages. */
export function parseJsonText(where: string, text: string, options: JsonArrayOptions = {}): DataArrays {
  const opts = parseOptions(where, jsonOptionsSchema, options);
  if (typeof text !== 'string') throw new ShapeError(`${where}: text: expected a string, got ${typeof text}`);
  let parsed: unknown;
  try {
    // A byte order mark is not JSON, but editors write one; the Blob loader's TextDecoder drops it too.
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new SerializationError(`${where}: text: expected JSON, got a parse error: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new ShapeError(`${where}: text: expected a JSON array of rows, got ${describeValue(parsed)}`);
  }
  if (parsed.length === 0) throw new ShapeError(`${where}: text: expected at least one row, got []`);
  const flat = !Array.isArray(parsed[0]);
  const columns = flat ? 1 : (parsed[0] as unknown[]).length;
  if (columns === 0) throw new ShapeError(`${where}: row 1: expected at least one column, got []`);
  const rows = parsed.length;
  const values = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const row = parsed[r];
    if (flat) {
      if (Array.isArray(row)) {
        throw new ShapeError(
          `${where}: row ${r + 1}: expected a number like row 1 (a flat array), got an array`,
        );
      }
      values[r] = cellValue(where, row, r, 0);
      continue;
    }
    if (!Array.isArray(row)) {
      throw new ShapeError(
        `${where}: row ${r + 1}: expected an array of ${columns} numbers like row 1, got ${describeValue(row)}`,
      );
    }
    if (row.length !== columns) {
      throw new ShapeError(
        `${where}: row ${r + 1}: expected ${columns} columns like row 1, got ${row.length}`,
      );
    }
    for (let c = 0; c < columns; c++) values[r * columns + c] = cellValue(where, row[c], r, c);
  }
  return tableToData(where, { values, rows, columns }, opts);
}

function cellValue(where: string, v: unknown, r: number, c: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new NonFiniteError(
      `${where}: row ${r + 1}, column ${c + 1}: expected a finite number, got ${describeValue(v)}`,
    );
  }
  return v;
}
