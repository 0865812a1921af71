// Node only: a `file://` handler for tf.io (tfjs-node has one, but cannot be installed here).
// It writes `model.json` (topology and weights manifest) and `weights.bin` into a directory.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SerializationError } from '../errors.js';

const PREFIX = 'file://';
const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

function directoryOf(url: string): string {
  const path = resolve(url.slice(PREFIX.length));
  return path.endsWith('.json') ? dirname(path) : path;
}

function concat(data: tf.io.WeightData): Uint8Array {
  const buffers = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(buffers.reduce((s, b) => s + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

/**
 * The file a manifest path names, refused unless it lies inside the model's folder: a manifest
 * edited to read `../other/weights.bin` or `/etc/passwd` must not read outside it.
 */
function weightsFile(dir: string, path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new SerializationError(`weightsManifest.paths: expected a file name, got ${JSON.stringify(path)}`);
  }
  const file = resolve(dir, path);
  const rel = relative(dir, file);
  if (isAbsolute(path) || rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new SerializationError(
      `weightsManifest.paths: expected a file inside the model's folder ${dir}, got '${path}'`,
    );
  }
  return file;
}

/** Checks the manifest's structure, so a hand-edited one fails typed, not with a TypeError. */
function readManifest(url: string, manifest: unknown): tf.io.WeightsManifestConfig {
  if (!Array.isArray(manifest)) {
    throw new SerializationError(
      `${url}: weightsManifest: expected an array of groups, got ${typeof manifest}`,
    );
  }
  manifest.forEach((group: unknown, i) => {
    const g = group as Partial<tf.io.WeightsManifestConfig[number]> | null;
    if (g === null || typeof g !== 'object' || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw new SerializationError(
        `${url}: weightsManifest[${i}]: expected { paths: [...], weights: [...] }, got ${JSON.stringify(group)}`,
      );
    }
  });
  return manifest as tf.io.WeightsManifestConfig;
}

async function kindOf(path: string): Promise<'file' | 'directory' | 'other' | 'none'> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
  } catch {
    return 'none';
  }
}

/** The nearest existing ancestor of `dir` that is not a directory, if any (saving under a file). */
async function fileAbove(dir: string): Promise<string | undefined> {
  for (let p = dir; ; p = dirname(p)) {
    const kind = await kindOf(p);
    if (kind === 'directory') return undefined;
    if (kind !== 'none') return p;
    if (dirname(p) === p) return undefined;
  }
}

/** A tf.io handler that saves to and loads from a directory on disk. */
export function fileHandler(url: string): tf.io.IOHandler {
  const dir = directoryOf(url);
  const jsonPath = url.endsWith('.json') ? resolve(url.slice(PREFIX.length)) : join(dir, MODEL_JSON);
  return {
    async save(artifacts) {
      const blocker = await fileAbove(dir);
      if (blocker !== undefined) {
        throw new SerializationError(
          `${url}: expected a folder to save into, but ${blocker === dir ? 'it' : blocker} is a file`,
        );
      }
      try {
        await mkdir(dir, { recursive: true });
      } catch (e) {
        throw new SerializationError(`${url}: cannot create the folder ${dir}: ${(e as Error).message}`);
      }
      const manifest = [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }];
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: manifest,
        ...(artifacts.format === undefined ? {} : { format: artifacts.format }),
        ...(artifacts.generatedBy === undefined ? {} : { generatedBy: artifacts.generatedBy }),
        ...(artifacts.userDefinedMetadata === undefined
          ? {}
          : { userDefinedMetadata: artifacts.userDefinedMetadata }),
      };
      const weights = artifacts.weightData === undefined ? new Uint8Array(0) : concat(artifacts.weightData);
      for (const path of [join(dir, WEIGHTS_BIN), jsonPath]) {
        const kind = await kindOf(path);
        if (kind !== 'none' && kind !== 'file') {
          throw new SerializationError(
            `${url}: cannot write ${path}: it is a ${kind === 'directory' ? 'folder' : 'special file'}`,
          );
        }
      }
      try {
        await writeFile(join(dir, WEIGHTS_BIN), weights);
        await writeFile(jsonPath, JSON.stringify(modelJson, null, 1));
      } catch (e) {
        throw new SerializationError(`${url}: cannot write into ${dir}: ${(e as Error).message}`);
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load() {
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new SerializationError(`${url}: cannot read ${jsonPath}: ${(e as Error).message}`);
      }
      if (modelJson === null || typeof modelJson !== 'object') {
        throw new SerializationError(`${url}: ${jsonPath}: expected a JSON object, got ${String(modelJson)}`);
      }
      const folder = dirname(jsonPath);
      const manifest = readManifest(url, modelJson.weightsManifest ?? []);
      const files = manifest.flatMap((group) => group.paths.map((p) => weightsFile(folder, p)));
      return tf.io.getModelArtifactsForJSON({ ...modelJson, weightsManifest: manifest }, async () => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(
          files.map(async (file) => {
            try {
              return await readFile(file);
            } catch (e) {
              throw new SerializationError(`${url}: cannot read ${file}: ${(e as Error).message}`);
            }
          }),
        );
        const bytes = new Uint8Array(buffers.reduce((sum, b) => sum + b.byteLength, 0));
        let offset = 0;
        for (const b of buffers) {
          bytes.set(b, offset);
          offset += b.byteLength;
        }
        return [specs, bytes.buffer];
      });
    },
  };
}

// tf.io's routers answer null for URLs they do not handle, although the type says otherwise.
const router = (url: string | string[]) =>
  (typeof url === 'string' && url.startsWith(PREFIX) ? fileHandler(url) : null) as tf.io.IOHandler;

tf.io.registerSaveRouter(router);
tf.io.registerLoadRouter(router);
