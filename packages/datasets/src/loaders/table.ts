import { ConfigError, describeIssues, NonFiniteError } from '@diffeo/core';
import { z } from 'zod';
import type { DataArrays } from '../types.js';

const columnRef = z.union([z.number().int(), z.string().min(1)]);

/** Which columns are labels and context; every other column goes to `x`. */
export const columnOptionsShape = {
  labelColumn: columnRef.optional(),
  contextColumns: z.array(columnRef).min(1).optional(),
};

/** A column of a table: its 0-based index, or a negative index from the end, or a header name. */
export type ColumnRef = number | string;

/** The options shared by every loader: which column holds labels and which the context. */
export interface ColumnOptions {
  /** The label column: 0-based index (-1 is the last column) or header name. Values must be integers >= 0. */
  labelColumn?: ColumnRef;
  /** Context (condition) columns, in this order. */
  contextColumns?: ColumnRef[];
}

/** Parses loader options with their schema, as a `ConfigError` naming the field. */
export function parseOptions<S extends z.ZodType>(where: string, schema: S, options: unknown): z.output<S> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw new ConfigError(describeIssues(`${where} options`, parsed.error));
  return parsed.data;
}

/** A parsed numeric table, row-major, and how to talk about its rows in messages. */
export interface Table {
  values: Float64Array;
  rows: number;
  columns: number;
  /** Header names, when the text had a header. */
  names?: string[];
  /** How messages name row `r` (0-based): `row 3 (line 4, after the header line)`. Default `row r+1`. */
  rowLabel?: (r: number) => string;
}

function rowOf(table: Table, r: number): string {
  return table.rowLabel?.(r) ?? `row ${r + 1}`;
}

/** `column 3 ('y')`: 1-based, with the header name when there is one. */
export function columnLabel(column: number, names?: string[]): string {
  const name = names?.[column];
  return name === undefined ? `column ${column + 1}` : `column ${column + 1} ('${name}')`;
}

function resolveColumn(where: string, field: string, ref: ColumnRef, table: Table): number {
  if (typeof ref === 'string') {
    if (table.names === undefined) {
      throw new ConfigError(`${where}: ${field}: '${ref}' names a column, but the data has no header`);
    }
    const index = table.names.indexOf(ref);
    if (index < 0) {
      throw new ConfigError(
        `${where}: ${field}: no column named '${ref}' (columns: ${table.names.map((n) => `'${n}'`).join(', ')})`,
      );
    }
    return index;
  }
  const index = ref < 0 ? table.columns + ref : ref;
  if (index < 0 || index >= table.columns) {
    throw new ConfigError(
      `${where}: ${field}: expected a column index in [${-table.columns}, ${table.columns - 1}], got ${ref}`,
    );
  }
  return index;
}

function float32(where: string, table: Table, r: number, c: number): number {
  const v = table.values[r * table.columns + c]!;
  const f = Math.fround(v);
  if (!Number.isFinite(f)) {
    throw new NonFiniteError(
      `${where}: ${rowOf(table, r)}, ${columnLabel(c, table.names)}: ${v} does not fit float32 (largest magnitude about 3.4e38)`,
    );
  }
  return f;
}

/**
 * Splits a numeric table into `x`, `labels` and `context` by the column options. Values must fit
 * float32; labels must be non-negative integers.
 */
export function tableToData(where: string, table: Table, options: ColumnOptions): DataArrays {
  const { rows, columns, values, names } = table;
  const labelColumn =
    options.labelColumn === undefined
      ? undefined
      : resolveColumn(where, 'labelColumn', options.labelColumn, table);
  const contextColumns = (options.contextColumns ?? []).map((ref, i) =>
    resolveColumn(where, `contextColumns[${i}]`, ref, table),
  );
  const taken = new Set<number>();
  for (const c of [...(labelColumn === undefined ? [] : [labelColumn]), ...contextColumns]) {
    if (taken.has(c)) throw new ConfigError(`${where}: ${columnLabel(c, names)} is selected twice`);
    taken.add(c);
  }
  const xColumns: number[] = [];
  for (let c = 0; c < columns; c++) if (!taken.has(c)) xColumns.push(c);
  if (xColumns.length === 0) {
    throw new ConfigError(`${where}: no data columns left after the label and context columns`);
  }

  const dim = xColumns.length;
  const x = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) {
      x[r * dim + j] = float32(where, table, r, xColumns[j]!);
    }
  }
  const out: DataArrays = { x, n: rows, dim };
  if (labelColumn !== undefined) {
    const labels = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const v = values[r * columns + labelColumn]!;
      if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
        throw new ConfigError(
          `${where}: labelColumn (${columnLabel(labelColumn, names)}): ${rowOf(table, r)} holds ${v}, expected a non-negative integer class label`,
        );
      }
      labels[r] = v;
    }
    out.labels = labels;
  }
  if (contextColumns.length > 0) {
    const k = contextColumns.length;
    const context = new Float32Array(rows * k);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < k; j++) context[r * k + j] = float32(where, table, r, contextColumns[j]!);
    }
    out.context = context;
    out.contextDim = k;
  }
  return out;
}
