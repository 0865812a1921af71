import { ConfigError, SerializationError } from '@diffeo/core';
import type { DataArrays } from '../types.js';
import { type CsvOptions, parseCsvText } from './csv.js';
import { type JsonArrayOptions, parseJsonText } from './json.js';

/** The typed error for bytes that start like gzip but do not decompress. */
export function corruptGzip(where: string, cause: unknown): SerializationError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SerializationError(
    `${where}: file: expected gzip data (it starts with gzip's magic bytes 1f 8b), got data that does not decompress: ${detail}`,
  );
}

/** Whether bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function nameOf(blob: Blob): string {
  return typeof File !== 'undefined' && blob instanceof File ? blob.name : 'blob';
}

/** Reads a Blob as UTF-8 text, gunzipping it first when it is gzip (with the standard DecompressionStream). */
export async function blobText(where: string, blob: Blob): Promise<string> {
  if (typeof Blob === 'undefined' || !(blob instanceof Blob)) {
    throw new ConfigError(
      `${where}: file: expected a File or Blob, got ${blob === null ? 'null' : typeof blob}`,
    );
  }
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (!isGzip(bytes)) return new TextDecoder().decode(bytes);
  if (typeof DecompressionStream === 'undefined') {
    throw new ConfigError(
      `${where}: the file is gzip-compressed and this platform has no DecompressionStream`,
    );
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  try {
    return await new Response(stream).text();
  } catch (e) {
    throw corruptGzip(where, e);
  }
}

/**
 * Loads a CSV `File` or `Blob` (e.g. from an `<input type="file">` or a drop) with
 * {@link parseCsv}'s options and checks. Gzip-compressed files (`.csv.gz`) are decompressed.
 * Works in browsers and in Node 20 (which has `Blob`, `File` and `DecompressionStream`).
 *
 * @example
 * ```ts
 * input.onchange = async () => {
 *   const data = await loadCsvFile(input.files![0]!, { labelColumn: -1 });
 * };
 * ```
 */
export async function loadCsvFile(file: Blob, options: CsvOptions = {}): Promise<DataArrays> {
  const where = `loadCsvFile(${typeof Blob !== 'undefined' && file instanceof Blob ? nameOf(file) : 'file'})`;
  return parseCsvText(where, await blobText(where, file), options);
}

/**
 * Loads a JSON `File` or `Blob` holding an array of rows, with {@link parseJsonArray}'s options
 * and checks; gzip is decompressed.
 *
 * @example
 * ```ts
 * const data = await loadJsonFile(new Blob(['[[1, 2], [3, 4]]']));
 * ```
 */
export async function loadJsonFile(file: Blob, options: JsonArrayOptions = {}): Promise<DataArrays> {
  const where = `loadJsonFile(${typeof Blob !== 'undefined' && file instanceof Blob ? nameOf(file) : 'file'})`;
  return parseJsonText(where, await blobText(where, file), options);
}
