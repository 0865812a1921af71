// Node only: a `file://` handler for tf.io (tfjs-node has one, but cannot be installed here).
// It writes `model.json` (topology and weights manifest) and `weights.bin` into a directory.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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

/** A tf.io handler that saves to and loads from a directory on disk. */
export function fileHandler(url: string): tf.io.IOHandler {
  const dir = directoryOf(url);
  const jsonPath = url.endsWith('.json') ? resolve(url.slice(PREFIX.length)) : join(dir, MODEL_JSON);
  return {
    async save(artifacts) {
      await mkdir(dir, { recursive: true });
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
      await writeFile(join(dir, WEIGHTS_BIN), weights);
      await writeFile(jsonPath, JSON.stringify(modelJson, null, 1));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load() {
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new SerializationError(`${url}: cannot read ${jsonPath}: ${(e as Error).message}`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(
          manifest.flatMap((group) => group.paths.map((p) => readFile(join(dirname(jsonPath), p)))),
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
