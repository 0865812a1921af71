import * as tf from '@tensorflow/tfjs-core';
import { type JsonObject, type Module, type Spec, specOf } from '../contracts.js';
import { DiffeoError, formatShape, SerializationError } from '../errors.js';
import { defaultRegistry, type Registry } from '../registry.js';
import { canonicalJson, crc32, crc32Text } from './checksum.js';

/**
 * The version of the saved-model format this build writes; it reads this version and older.
 * Version 2 added the checksums: a version-2 file without them does not load.
 */
export const FORMAT_VERSION = 2;

/** The `format` field of every Diffeo model artifact. */
export const FORMAT_NAME = 'diffeo';

/** CRC-32s (8 hex digits) of the canonical JSON of the spec and of every weight's bytes, by name. */
interface Checksums {
  algorithm: 'crc32';
  spec: string;
  weights: Record<string, string>;
}

interface Topology {
  formatVersion: number;
  spec: Spec;
  checksums?: Checksums;
}

function concatWeights(data: tf.io.WeightData): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const out = new Uint8Array(data.reduce((s, b) => s + b.byteLength, 0));
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

/** The byte range of each weight in the concatenated weight data, in spec order. */
function weightChecksums(
  specs: readonly tf.io.WeightsManifestEntry[],
  bytes: Uint8Array,
): Record<string, string> {
  const out: Record<string, string> = {};
  let offset = 0;
  for (const s of specs) {
    const size = s.shape.reduce((p, d) => p * d, 1) * (BYTES_PER[s.dtype] ?? 4);
    out[s.name] = crc32(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

/**
 * Turns a module into TensorFlow.js model artifacts: its spec as the topology and its named
 * variables as weights. Any `tf.io` handler can then store them.
 *
 * @example
 * ```ts
 * import { toArtifacts } from '@diffeo/core';
 * import { realNVP } from '@diffeo/distributions';
 *
 * const artifacts = await toArtifacts(realNVP({ dim: 2, seed: 0 }));
 * artifacts.modelTopology; // { formatVersion, spec: { kind: 'distribution', type: 'flow', config }, checksums }
 * artifacts.weightSpecs?.map((w) => w.name); // every variable by its stable name
 * ```
 */
export async function toArtifacts(model: Module): Promise<tf.io.ModelArtifacts> {
  const vars = model.namedVariables();
  const named = vars.map((v) => ({ name: v.name, tensor: v.variable as tf.Tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const spec = specOf(model);
  const checksums: Checksums = {
    algorithm: 'crc32',
    spec: crc32Text(canonicalJson(spec)),
    weights: weightChecksums(specs, concatWeights(data)),
  };
  const topology: Topology = { formatVersion: FORMAT_VERSION, spec, checksums };
  return {
    modelTopology: topology as unknown as JsonObject,
    format: FORMAT_NAME,
    generatedBy: '@diffeo/core',
    weightSpecs: specs,
    weightData: data,
    userDefinedMetadata: { formatVersion: FORMAT_VERSION },
  };
}

function readTopology(artifacts: tf.io.ModelArtifacts): Topology {
  if (artifacts.format !== FORMAT_NAME) {
    throw new SerializationError(`format: expected '${FORMAT_NAME}', got '${String(artifacts.format)}'`);
  }
  const topology = artifacts.modelTopology as Partial<Topology> | undefined;
  if (topology == null || typeof topology !== 'object' || topology instanceof ArrayBuffer) {
    throw new SerializationError(
      'modelTopology: expected a JSON object with formatVersion and spec, got none',
    );
  }
  const version = topology.formatVersion;
  if (typeof version !== 'number' || version < 1 || version > FORMAT_VERSION) {
    throw new SerializationError(
      `formatVersion: expected an integer from 1 to ${FORMAT_VERSION}, got ${String(version)} (saved by a newer Diffeo?)`,
    );
  }
  const spec = topology.spec;
  if (spec == null || typeof spec.type !== 'string' || typeof spec.kind !== 'string') {
    throw new SerializationError('modelTopology.spec: expected { kind, type, config }, got something else');
  }
  if (version < 2) return { formatVersion: version, spec };
  const c = topology.checksums as Partial<Checksums> | undefined;
  if (
    c == null ||
    c.algorithm !== 'crc32' ||
    typeof c.spec !== 'string' ||
    c.weights == null ||
    typeof c.weights !== 'object'
  ) {
    throw new SerializationError(
      `modelTopology.checksums: expected { algorithm: 'crc32', spec, weights } (format version ${version}), got ${c == null ? 'none' : 'something else'}`,
    );
  }
  return { formatVersion: version, spec, checksums: c as Checksums };
}

/** Checks the shape of `weightSpecs` itself, so a hand-edited manifest fails typed, not with a TypeError. */
function readWeightSpecs(artifacts: tf.io.ModelArtifacts): tf.io.WeightsManifestEntry[] {
  const specs: unknown = artifacts.weightSpecs ?? [];
  if (!Array.isArray(specs)) {
    throw new SerializationError(`weightSpecs: expected an array, got ${typeof specs}`);
  }
  specs.forEach((s: unknown, i) => {
    const entry = s as Partial<tf.io.WeightsManifestEntry> | null;
    if (entry === null || typeof entry !== 'object') {
      throw new SerializationError(`weightSpecs[${i}]: expected { name, shape, dtype }, got ${String(s)}`);
    }
    if (typeof entry.name !== 'string') {
      throw new SerializationError(`weightSpecs[${i}].name: expected a string, got ${String(entry.name)}`);
    }
    if (
      !Array.isArray(entry.shape) ||
      !entry.shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)
    ) {
      throw new SerializationError(
        `weightSpecs[${i}] ('${entry.name}').shape: expected an array of non-negative integers, got ${JSON.stringify(entry.shape) ?? 'none'}`,
      );
    }
    if (typeof entry.dtype !== 'string' || !(entry.dtype in BYTES_PER)) {
      throw new SerializationError(
        `weightSpecs[${i}] ('${entry.name}').dtype: expected float32, int32 or bool, got ${String(entry.dtype)}`,
      );
    }
  });
  return specs as tf.io.WeightsManifestEntry[];
}

function weightBytes(data: tf.io.WeightData | undefined): number {
  if (data === undefined) return 0;
  return Array.isArray(data) ? data.reduce((s, b) => s + b.byteLength, 0) : data.byteLength;
}

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/**
 * Builds the module an artifact describes and assigns its weights. Fails with a
 * `SerializationError` naming the mismatch: unknown type, invalid config, a missing, extra,
 * misshapen or non-finite weight, or truncated weight data.
 *
 * @example
 * ```ts
 * import { fromArtifacts, toArtifacts } from '@diffeo/core';
 * import { type Flow, realNVP } from '@diffeo/distributions';
 *
 * const flow = realNVP({ dim: 2, seed: 0 });
 * const copy = fromArtifacts<Flow>(await toArtifacts(flow)); // a new Flow with the same config and weights
 * ```
 */
export function fromArtifacts<T extends Module = Module>(
  artifacts: tf.io.ModelArtifacts,
  registry: Registry = defaultRegistry,
): T {
  const { spec, checksums } = readTopology(artifacts);
  const specs = readWeightSpecs(artifacts);
  let model: T;
  try {
    model = registry.create<T>(spec);
  } catch (e) {
    if (e instanceof DiffeoError) throw new SerializationError(`spec: ${e.message}`);
    throw e;
  }
  try {
    assignWeights(model, artifacts, specs, spec, checksums);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

function assignWeights(
  model: Module,
  artifacts: tf.io.ModelArtifacts,
  specs: tf.io.WeightsManifestEntry[],
  spec: Spec,
  checksums: Checksums | undefined,
): void {
  const expected = model.namedVariables();
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const { name, variable } of expected) {
    const s = byName.get(name);
    if (s === undefined) throw new SerializationError(`weights: '${name}' is missing from the file`);
    if (s.shape.length !== variable.shape.length || s.shape.some((d, i) => d !== variable.shape[i])) {
      throw new SerializationError(
        `weights: '${name}' expected shape ${formatShape(variable.shape)}, got ${formatShape(s.shape)}`,
      );
    }
    if (s.dtype !== variable.dtype) {
      throw new SerializationError(`weights: '${name}' expected dtype ${variable.dtype}, got ${s.dtype}`);
    }
  }
  const known = new Set(expected.map((v) => v.name));
  const extra = specs.filter((s) => !known.has(s.name)).map((s) => s.name);
  if (extra.length > 0)
    throw new SerializationError(`weights: unexpected ${extra.map((n) => `'${n}'`).join(', ')}`);
  const need = specs.reduce(
    (sum, s) => sum + s.shape.reduce((p, d) => p * d, 1) * (BYTES_PER[s.dtype] ?? 4),
    0,
  );
  const have = weightBytes(artifacts.weightData);
  if (specs.some((s) => s.quantization !== undefined)) {
    throw new SerializationError('weights: quantized weights are not supported');
  }
  if (have !== need) throw new SerializationError(`weightData: expected ${need} bytes, got ${have}`);

  const tensors = tf.io.decodeWeights(artifacts.weightData!, specs);
  try {
    for (const { name } of expected) {
      const values = tensors[name]!.dataSync();
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i]!)) {
          throw new SerializationError(
            `weights: '${name}' holds a non-finite value (${values[i]}) at index ${i}`,
          );
        }
      }
    }
    if (checksums !== undefined) verifyChecksums(checksums, spec, specs, artifacts.weightData!);
    for (const { name, variable } of expected) variable.assign(tensors[name]!);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

function verifyChecksums(
  checksums: Checksums,
  spec: Spec,
  specs: readonly tf.io.WeightsManifestEntry[],
  data: tf.io.WeightData,
): void {
  const specSum = crc32Text(canonicalJson(spec));
  if (specSum !== checksums.spec) {
    throw new SerializationError(
      `modelTopology.spec: checksum ${specSum} does not match the saved ${checksums.spec}: the config was edited or corrupted`,
    );
  }
  const actual = weightChecksums(specs, concatWeights(data));
  const names = new Set([...Object.keys(actual), ...Object.keys(checksums.weights)]);
  for (const name of names) {
    if (actual[name] !== checksums.weights[name]) {
      throw new SerializationError(
        `weights: '${name}' checksum ${actual[name] ?? 'none'} does not match the saved ${checksums.weights[name] ?? 'none'}: the weight data was corrupted, or weights were renamed or reordered`,
      );
    }
  }
}

/**
 * Saves a module with any `tf.io` handler or URL: `file://dir` in Node (after importing
 * `@diffeo/core`), `indexeddb://name`, `localstorage://name`, `downloads://name` and `http(s)://`
 * in the browser.
 *
 * @example
 * ```ts
 * await save(flow, 'file://./models/checkerboard');
 * const again = await load<Flow>('file://./models/checkerboard');
 * ```
 */
export async function save(model: Module, destination: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
  const handler = typeof destination === 'string' ? tf.io.getSaveHandlers(destination)[0] : destination;
  if (handler?.save === undefined) {
    throw new SerializationError(`destination: no tf.io save handler for '${String(destination)}'`);
  }
  return handler.save(await toArtifacts(model));
}

/**
 * Loads a module saved by {@link save}, building it through `registry` (default: the default registry).
 *
 * @example
 * ```ts
 * const flow = await load<Flow>('file://./models/checkerboard'); // Node; 'indexeddb://...' in a browser
 * ```
 */
export async function load<T extends Module = Module>(
  source: string | tf.io.IOHandler,
  registry: Registry = defaultRegistry,
): Promise<T> {
  const handler = typeof source === 'string' ? tf.io.getLoadHandlers(source)[0] : source;
  if (handler?.load === undefined) {
    throw new SerializationError(`source: no tf.io load handler for '${String(source)}'`);
  }
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load();
  } catch (e) {
    if (e instanceof SerializationError) throw e;
    throw new SerializationError(`source '${String(source)}': ${(e as Error).message}`);
  }
  return fromArtifacts<T>(artifacts, registry);
}
