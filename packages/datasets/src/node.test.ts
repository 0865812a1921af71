import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ConfigError, NonFiniteError, SerializationError } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { loadCsvPath, loadJsonPath } from './node.js';

describe('@diffeo/datasets/node path loaders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'diffeo-datasets-'));

  it('reads CSV and JSON files, gzip-compressed or not', async () => {
    const digits = await loadCsvPath(fileURLToPath(new URL('../data/digits.csv.gz', import.meta.url)), {
      labelColumn: -1,
    });
    expect([digits.n, digits.dim]).toEqual([1797, 64]);
    expect(Math.max(...digits.x)).toBe(16);
    const csv = join(dir, 'a.csv');
    writeFileSync(csv, 'x,y\n1,2\n3,4\n');
    expect(Array.from((await loadCsvPath(csv)).x)).toEqual([1, 2, 3, 4]);
    const json = join(dir, 'a.json.gz');
    writeFileSync(json, gzipSync('[[1, 2, 0], [3, 4, 1]]'));
    const data = await loadJsonPath(json, { labelColumn: 2 });
    expect(Array.from(data.labels!)).toEqual([0, 1]);
  });

  it('names the path and the place of bad data', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'x,y\n1,2\n3,abc\n');
    await expect(loadCsvPath(bad)).rejects.toThrow(NonFiniteError);
    await expect(loadCsvPath(bad)).rejects.toThrow(
      /loadCsvPath\(.*bad.csv\): row 2 \(line 3, after the header on line 1\), column 2 \('y'\): expected a finite number, got 'abc'/,
    );
    await expect(loadCsvPath(join(dir, 'missing.csv'))).rejects.toThrow(ConfigError);
    await expect(loadCsvPath(join(dir, 'missing.csv'))).rejects.toThrow(/path: cannot read '.*missing.csv'/);
  });

  it('gives a SerializationError for gzip data that does not decompress, and reads a BOM', async () => {
    const corrupt = join(dir, 'corrupt.json.gz');
    writeFileSync(corrupt, new Uint8Array([0x1f, 0x8b, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]));
    await expect(loadJsonPath(corrupt)).rejects.toThrow(SerializationError);
    await expect(loadJsonPath(corrupt)).rejects.toThrow(
      /loadJsonPath\(.*corrupt.json.gz\): file: expected gzip data .*, got data that does not decompress/,
    );
    const bom = join(dir, 'bom.json');
    writeFileSync(bom, '\uFEFF[[5, 6]]');
    expect(Array.from((await loadJsonPath(bom)).x)).toEqual([5, 6]);
  });
});
