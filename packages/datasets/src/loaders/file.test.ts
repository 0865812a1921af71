import { readFileSync } from 'node:fs';
import { ConfigError, SerializationError, ShapeError } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { loadCsvFile, loadJsonFile } from './file.js';

describe('loadCsvFile / loadJsonFile (browser File and Blob)', () => {
  it('reads a File, and a gzip-compressed one, like parseCsv', async () => {
    const file = new File(['u,v,k\n1,2,0\n3,4,1\n'], 'points.csv', { type: 'text/csv' });
    const data = await loadCsvFile(file, { labelColumn: 'k' });
    expect(Array.from(data.x)).toEqual([1, 2, 3, 4]);
    expect(Array.from(data.labels!)).toEqual([0, 1]);
    const gz = new File(
      [readFileSync(new URL('../../data/digits.csv.gz', import.meta.url))],
      'digits.csv.gz',
    );
    const digits = await loadCsvFile(gz, { labelColumn: -1 });
    expect([digits.n, digits.dim, digits.labels!.length]).toEqual([1797, 64, 1797]);
    expect(Array.from(digits.labels!.subarray(0, 3))).toEqual([0, 1, 2]);
  });

  it('names the file in errors and rejects what is not a Blob', async () => {
    await expect(loadCsvFile(new File(['1,2\n3'], 'bad.csv'))).rejects.toThrow(ShapeError);
    await expect(loadCsvFile(new File(['1,2\n3'], 'bad.csv'))).rejects.toThrow(
      /loadCsvFile\(bad.csv\): row 2 \(line 2\): expected 2 columns like row 1, got 1/,
    );
    await expect(loadCsvFile('1,2' as unknown as Blob)).rejects.toThrow(ConfigError);
    await expect(loadCsvFile('1,2' as unknown as Blob)).rejects.toThrow(
      /file: expected a File or Blob, got string/,
    );
    const json = await loadJsonFile(new Blob(['[[1, 2], [3, 4]]']));
    expect(Array.from(json.x)).toEqual([1, 2, 3, 4]);
    await expect(loadJsonFile(new Blob(['[[1, 2], [3, null]]']))).rejects.toThrow(
      /loadJsonFile\(blob\): row 2, column 2: expected a finite number, got null/,
    );
  });

  it('gives a SerializationError for gzip data that does not decompress', async () => {
    // gzip's magic bytes, then compression method 0 instead of 8 (deflate), then junk.
    const corrupt = new File(
      [new Uint8Array([0x1f, 0x8b, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8])],
      'rows.csv.gz',
    );
    await expect(loadCsvFile(corrupt)).rejects.toThrow(SerializationError);
    await expect(loadCsvFile(corrupt)).rejects.toThrow(
      /loadCsvFile\(rows.csv.gz\): file: expected gzip data .*, got data that does not decompress/,
    );
    await expect(loadJsonFile(corrupt)).rejects.toThrow(SerializationError);
  });

  it('reads a byte order mark in JSON as parseJsonArray does', async () => {
    const data = await loadJsonFile(new Blob(['\uFEFF[[1, 2]]']));
    expect(Array.from(data.x)).toEqual([1, 2]);
  });
});
