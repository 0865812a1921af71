import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerializationError } from '../errors.js';
import { createRegistry } from '../registry.js';
import { TestGaussian, testGaussianPlugin } from '../test-utils/gaussian.js';
import { FORMAT_VERSION, fromArtifacts, load, save, toArtifacts } from './artifacts.js';
import '#file-router';

const registry = createRegistry();
registry.register(testGaussianPlugin);

function trained(): TestGaussian {
  const g = new TestGaussian(3);
  g.mean.assign(tf.tensor1d([0.5, -1.25, 3]));
  g.logScale.assign(tf.tensor1d([0.1, -0.2, 0.3]));
  return g;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'diffeo-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('save and load', () => {
  it('round-trips through file:// with identical weights and log-densities', async () => {
    const g = trained();
    const url = `file://${join(dir, 'gauss')}`;
    const result = await save(g, url);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(24);
    const json = JSON.parse(await readFile(join(dir, 'gauss', 'model.json'), 'utf8'));
    expect(json.format).toBe('diffeo');
    expect(json.modelTopology.formatVersion).toBe(FORMAT_VERSION);
    expect(json.modelTopology.spec).toEqual({ kind: 'model', type: 'test-gaussian', config: { dim: 3 } });

    const before = tf.memory().numTensors;
    const h = await load<TestGaussian>(url, registry);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(h).toBeInstanceOf(TestGaussian);
    expect(Array.from(h.mean.dataSync())).toEqual(Array.from(g.mean.dataSync()));
    expect(Array.from(h.logScale.dataSync())).toEqual(Array.from(g.logScale.dataSync()));
    const x = tf.tensor2d([
      [0, 0, 0],
      [1, -1, 2],
    ]);
    expect(Array.from(h.logProb(x).dataSync())).toEqual(Array.from(g.logProb(x).dataSync()));
    // model.json path works as well as the directory
    const again = await load<TestGaussian>(`file://${join(dir, 'gauss', 'model.json')}`, registry);
    expect(Array.from(again.mean.dataSync())).toEqual([0.5, -1.25, 3]);
    tf.dispose([x]);
    for (const m of [g, h, again]) m.dispose();
  });

  it('round-trips through memory handlers', async () => {
    const g = trained();
    let stored: tf.io.ModelArtifacts | undefined;
    await save(
      g,
      tf.io.withSaveHandler(async (artifacts) => {
        stored = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const h = await load<TestGaussian>(tf.io.fromMemory(stored!), registry);
    expect(Array.from(h.logScale.dataSync())).toEqual(Array.from(g.logScale.dataSync()));
    g.dispose();
    h.dispose();
  });

  describe('rejects a broken or mismatched file with SerializationError', () => {
    async function artifacts(): Promise<tf.io.ModelArtifacts> {
      const g = trained();
      const a = await toArtifacts(g);
      g.dispose();
      return a;
    }
    const cases: [string, (a: tf.io.ModelArtifacts) => void, RegExp][] = [
      ['another format', (a) => (a.format = 'layers-model'), /format: expected 'diffeo', got 'layers-model'/],
      [
        'a newer format version',
        (a) => ((a.modelTopology as { formatVersion: number }).formatVersion = 99),
        /formatVersion: .* got 99/,
      ],
      [
        'an unknown type',
        (a) => ((a.modelTopology as { spec: { type: string } }).spec.type = 'mystery'),
        /spec: unknown model type 'mystery'/,
      ],
      [
        'an invalid config',
        (a) => ((a.modelTopology as { spec: { config: unknown } }).spec.config = { dim: 0 }),
        /spec: model 'test-gaussian' config\.dim/,
      ],
      ['a missing weight', (a) => (a.weightSpecs = a.weightSpecs!.slice(0, 1)), /'logScale' is missing/],
      [
        'a mismatched shape',
        (a) => ((a.modelTopology as { spec: { config: { dim: number } } }).spec.config.dim = 2),
        /'mean' expected shape \[2\], got \[3\]/,
      ],
      [
        'truncated weight data',
        (a) => (a.weightData = (a.weightData as ArrayBuffer).slice(0, 20)),
        /weightData: expected 24 bytes, got 20/,
      ],
      [
        'an extra weight',
        (a) => {
          a.weightSpecs = [...a.weightSpecs!, { name: 'ghost', shape: [1], dtype: 'float32' }];
          a.weightData = new Uint8Array(28).buffer;
        },
        /unexpected 'ghost'/,
      ],
      [
        'a NaN weight',
        (a) => {
          new Float32Array(a.weightData as ArrayBuffer)[1] = Number.NaN;
        },
        /'mean' holds a non-finite value \(NaN\) at index 1/,
      ],
    ];
    for (const [what, corrupt, message] of cases) {
      it(what, async () => {
        const a = await artifacts();
        corrupt(a);
        const before = tf.memory().numTensors;
        expect(() => fromArtifacts(a, registry)).toThrow(SerializationError);
        expect(() => fromArtifacts(a, registry)).toThrow(message);
        expect(tf.memory().numTensors).toBe(before);
      });
    }

    it('a corrupted model.json on disk', async () => {
      const path = join(dir, 'broken');
      await save(trained(), `file://${path}`);
      await writeFile(join(path, 'model.json'), '{ not json');
      await expect(load(`file://${path}`, registry)).rejects.toThrow(SerializationError);
      await expect(load(`file://${join(dir, 'nowhere')}`, registry)).rejects.toThrow(/cannot read/);
    });
  });
});

describe('checksums and paths (a corrupted save never loads silently)', () => {
  async function saved(name: string): Promise<string> {
    const path = join(dir, name);
    const g = trained();
    await save(g, `file://${path}`);
    g.dispose();
    return path;
  }
  const readJson = async (path: string) => JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
  const writeJson = (path: string, json: unknown) =>
    writeFile(join(path, 'model.json'), JSON.stringify(json));

  it('stores a CRC-32 of the spec and of every weight', async () => {
    const json = await readJson(await saved('sums'));
    expect(json.modelTopology.checksums.algorithm).toBe('crc32');
    expect(json.modelTopology.checksums.spec).toMatch(/^[0-9a-f]{8}$/);
    expect(Object.keys(json.modelTopology.checksums.weights).sort()).toEqual(['logScale', 'mean']);
  });

  it('refuses one flipped exponent byte in weights.bin', async () => {
    const path = await saved('flipped');
    const bytes = await readFile(join(path, 'weights.bin'));
    bytes[7]! ^= 0x01; // the high byte of mean[1] (-1.25): sign and exponent, still finite
    await writeFile(join(path, 'weights.bin'), bytes);
    const before = tf.memory().numTensors;
    await expect(load(`file://${path}`, registry)).rejects.toThrow(SerializationError);
    await expect(load(`file://${path}`, registry)).rejects.toThrow(
      /weights: 'mean' checksum [0-9a-f]{8} does not match the saved [0-9a-f]{8}/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses swapped weight names and an edited config', async () => {
    const path = await saved('swapped');
    const json = await readJson(path);
    const weights = json.weightsManifest[0].weights;
    [weights[0].name, weights[1].name] = [weights[1].name, weights[0].name];
    await writeJson(path, json);
    await expect(load(`file://${path}`, registry)).rejects.toThrow(/weights: '(mean|logScale)' checksum/);

    const edited = await saved('edited');
    const config = await readJson(edited);
    config.modelTopology.spec.config.note = 'edited';
    await writeJson(edited, config);
    await expect(load(`file://${edited}`, registry)).rejects.toThrow(SerializationError);
    await expect(load(`file://${edited}`, registry)).rejects.toThrow(/spec/);
  });

  it('refuses a version-2 file without checksums', async () => {
    const path = await saved('nosums');
    const json = await readJson(path);
    delete json.modelTopology.checksums;
    await writeJson(path, json);
    await expect(load(`file://${path}`, registry)).rejects.toThrow(
      /modelTopology.checksums: expected \{ algorithm: 'crc32', spec, weights \} \(format version 2\), got none/,
    );
  });

  it('refuses manifest paths that leave the model folder', async () => {
    const other = await saved('other');
    const path = await saved('escape');
    for (const p of [
      '../other/weights.bin',
      join(other, 'weights.bin'),
      '..',
      'sub/../../other/weights.bin',
    ]) {
      const json = await readJson(path);
      json.weightsManifest[0].paths = [p];
      await writeJson(path, json);
      await expect(load(`file://${path}`, registry)).rejects.toThrow(SerializationError);
      await expect(load(`file://${path}`, registry)).rejects.toThrow(
        /expected a file inside the model's folder/,
      );
    }
  });

  it('gives a SerializationError for a malformed weight manifest', async () => {
    type Manifest = { weightsManifest: { paths: string[]; weights: ({ shape?: number[] } | null)[] }[] };
    const cases: [(json: Manifest) => void, RegExp][] = [
      [
        (j) => delete j.weightsManifest[0]!.weights[0]!.shape,
        /weightSpecs\[0\] \('mean'\)\.shape: expected an array/,
      ],
      [
        (j) => (j.weightsManifest[0]!.weights[1] = null),
        /weightSpecs\[1\]: expected \{ name, shape, dtype \}, got null/,
      ],
      [
        (j) => (j.weightsManifest[0]!.weights = 'x' as unknown as []),
        /weightsManifest\[0\]: expected \{ paths/,
      ],
      [(j) => (j.weightsManifest = {} as unknown as never), /weightsManifest: expected an array of groups/],
    ];
    for (const [i, [corrupt, message]] of cases.entries()) {
      const path = await saved(`manifest-${i}`);
      const json = await readJson(path);
      corrupt(json);
      await writeJson(path, json);
      await expect(load(`file://${path}`, registry)).rejects.toThrow(SerializationError);
      await expect(load(`file://${path}`, registry)).rejects.toThrow(message);
    }
    const a = await toArtifacts(trained());
    a.weightSpecs = 'nope' as unknown as tf.io.WeightsManifestEntry[];
    expect(() => fromArtifacts(a, registry)).toThrow('weightSpecs: expected an array, got string');
  });

  it('gives a SerializationError when saving over a file or under one', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const g = trained();
    await expect(save(g, `file://${file}`)).rejects.toThrow(SerializationError);
    await expect(save(g, `file://${file}`)).rejects.toThrow(
      'expected a folder to save into, but it is a file',
    );
    await expect(save(g, `file://${join(file, 'model')}`)).rejects.toThrow(
      `expected a folder to save into, but ${file} is a file`,
    );
    const occupied = join(dir, 'occupied');
    await mkdir(join(occupied, 'weights.bin'), { recursive: true });
    await expect(save(g, `file://${occupied}`)).rejects.toThrow(/weights\.bin: it is a folder/);
    g.dispose();
  });
});
