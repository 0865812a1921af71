/**
 * `@diffeo/datasets/node`: loaders that read a path from the file system. A separate entry point
 * so that browser bundles of `@diffeo/datasets` never see `node:fs`.
 *
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { ConfigError } from '@diffeo/core';
import { type CsvOptions, parseCsvText } from './loaders/csv.js';
import { corruptGzip, isGzip } from './loaders/file.js';
import { type JsonArrayOptions, parseJsonText } from './loaders/json.js';
import type { DataArrays } from './types.js';

async function readText(where: string, path: string): Promise<string> {
  if (typeof path !== 'string' || path === '') {
    throw new ConfigError(`${where}: path: expected a file path, got ${JSON.stringify(path)}`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ConfigError(`${where}: path: cannot read '${path}': ${(e as Error).message}`);
  }
  if (!isGzip(bytes)) return new TextDecoder().decode(bytes);
  try {
    return new TextDecoder().decode(gunzipSync(bytes));
  } catch (e) {
    throw corruptGzip(where, e);
  }
}

/**
 * Loads a CSV file (gzip-compressed or not) from a path, with `parseCsv`'s options and checks.
 *
 * @example
 * ```ts
 * import { loadCsvPath } from '@diffeo/datasets/node';
 * const data = await loadCsvPath('measurements.csv', { labelColumn: 'class' });
 * ```
 */
export async function loadCsvPath(path: string, options: CsvOptions = {}): Promise<DataArrays> {
  const where = `loadCsvPath(${path})`;
  return parseCsvText(where, await readText(where, path), options);
}

/**
 * Loads a JSON array of rows (gzip-compressed or not) from a path, with `parseJsonArray`'s
 * options and checks.
 *
 * @example
 * ```ts
 * import { loadJsonPath } from '@diffeo/datasets/node';
 * const data = await loadJsonPath('points.json');
 * ```
 */
export async function loadJsonPath(path: string, options: JsonArrayOptions = {}): Promise<DataArrays> {
  const where = `loadJsonPath(${path})`;
  return parseJsonText(where, await readText(where, path), options);
}
