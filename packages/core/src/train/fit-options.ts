import { z } from 'zod';
import { nearestName } from '../config.js';
import { ConfigError } from '../errors.js';
import { isRng } from '../rng.js';

const got = (input: unknown): string =>
  typeof input === 'string' ? `'${input}'` : typeof input === 'object' ? typeof input : String(input);

const positiveInt = () =>
  z
    .unknown()
    .refine((v) => typeof v === 'number' && Number.isInteger(v) && v > 0, {
      error: (iss) => `expected a positive integer, got ${got(iss.input)}`,
    })
    .transform((v) => v as number)
    .optional();

const positiveNumber = () =>
  z
    .unknown()
    .refine((v) => typeof v === 'number' && Number.isFinite(v) && v > 0, {
      error: (iss) => `expected a positive number, got ${got(iss.input)}`,
    })
    .transform((v) => v as number)
    .optional();

const boolean = () =>
  z
    .unknown()
    .refine((v) => typeof v === 'boolean', {
      error: (iss) => `expected true or false, got ${got(iss.input)}`,
    })
    .transform((v) => v as boolean)
    .optional();

const fn = () =>
  z
    .unknown()
    .refine((v) => typeof v === 'function', { error: (iss) => `expected a function, got ${got(iss.input)}` })
    .optional();

/**
 * The schema of `fit`'s options: strict, so a misspelt option is refused with the nearest valid
 * name instead of training silently with a default. Tensors, callbacks, the signal and an `Rng`
 * are checked for their kind here and in detail by `fit`.
 */
export const fitOptionsSchema = z.strictObject({
  epochs: positiveInt(),
  steps: positiveInt(),
  batchSize: positiveInt(),
  learningRate: positiveNumber(),
  schedule: z
    .unknown()
    .refine((v) => v === 'constant' || v === 'cosine', {
      error: (iss) => `expected 'constant' or 'cosine', got ${got(iss.input)}`,
    })
    .optional(),
  minLearningRate: z
    .unknown()
    .refine((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0, {
      error: (iss) => `expected a non-negative number, got ${got(iss.input)}`,
    })
    .transform((v) => v as number)
    .optional(),
  adam: z
    .strictObject({
      beta1: z.number().min(0).lt(1),
      beta2: z.number().min(0).lt(1),
      epsilon: z.number().positive(),
    })
    .partial()
    .optional(),
  clipNorm: positiveNumber(),
  shuffle: boolean(),
  seed: z
    .unknown()
    .refine((v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || isRng(v), {
      error: (iss) => `expected a non-negative integer or an Rng from createRng, got ${got(iss.input)}`,
    })
    .optional(),
  validation: z
    .unknown()
    .refine((v) => typeof v === 'object' && v !== null, {
      error: (iss) => `expected a tensor [n, dim] or { x, context }, got ${got(iss.input)}`,
    })
    .optional(),
  patience: positiveInt(),
  restoreBest: boolean(),
  validationBatchSize: positiveInt(),
  signal: z
    .unknown()
    .refine((v) => typeof v === 'object' && v !== null && typeof (v as AbortSignal).aborted === 'boolean', {
      error: (iss) => `expected an AbortSignal, got ${got(iss.input)}`,
    })
    .optional(),
  onStep: fn(),
  onEpoch: fn(),
  onNonFinite: z
    .unknown()
    .refine((v) => v === 'stop' || v === 'throw', {
      error: (iss) => `expected 'stop' or 'throw', got ${got(iss.input)}`,
    })
    .optional(),
  divergence: z
    .unknown()
    .refine((v) => v === false || (typeof v === 'number' && v > 0), {
      error: (iss) => `expected a positive number or false, got ${got(iss.input)}`,
    })
    .optional(),
});

/**
 * Checks `fit`'s options against {@link fitOptionsSchema} and the rules between them. Every failing
 * option is named in one `ConfigError`; an unknown one with the nearest valid name.
 */
export function checkFitOptions(options: unknown): void {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(`fit options: expected an object, got ${got(options)}`);
  }
  const valid = Object.keys(fitOptionsSchema.shape);
  const parsed = fitOptionsSchema.safeParse(options);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const near = nearestName(key, valid);
          problems.push(
            `fit options: unknown option '${key}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`,
          );
        }
      } else {
        const path = issue.path.map(String).join('.');
        problems.push(`${path}: ${issue.message}`);
      }
    }
  } else {
    const o = parsed.data;
    const learningRate = o.learningRate ?? 1e-3;
    if (o.minLearningRate !== undefined && o.minLearningRate > learningRate) {
      problems.push(
        `minLearningRate: expected at most learningRate (${learningRate}), got ${o.minLearningRate}`,
      );
    }
    if (o.patience !== undefined && o.validation === undefined) {
      problems.push('patience: early stopping needs a validation set, got none');
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
}
