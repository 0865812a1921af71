import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { nearestName, parseConfig } from './config.js';
import { ConfigError } from './errors.js';

const schema = z.strictObject({
  dim: z.number().int().positive(),
  numBins: z.number().int().positive().default(8),
  conditioner: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('mlp'), numHiddenLayers: z.number().default(2) }),
      z.strictObject({ type: z.literal('residual'), numBlocks: z.number().default(2) }),
    ])
    .default({ type: 'mlp', numHiddenLayers: 2 }),
});

describe('parseConfig', () => {
  it('fills defaults and returns the parsed config', () => {
    expect(parseConfig('x config', schema, { dim: 2 })).toEqual({
      dim: 2,
      numBins: 8,
      conditioner: { type: 'mlp', numHiddenLayers: 2 },
    });
  });

  it('names every failing field in one ConfigError', () => {
    const bad = () => parseConfig("bijector 'x' config", schema, { dim: 0, numBins: 'four' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/bijector 'x' config\.dim: .*; bijector 'x' config\.numBins: .*expected number/);
  });

  it('rejects an unknown key and names the nearest valid one', () => {
    expect(() => parseConfig('c', schema, { dim: 2, numBin: 4 })).toThrow(
      "c.numBin: unknown option 'numBin' (did you mean 'numBins'?)",
    );
    expect(() => parseConfig('c', schema, { dim: 2, conditioner: { type: 'mlp', numLayers: 3 } })).toThrow(
      "c.conditioner.numLayers: unknown option 'numLayers' (did you mean 'numHiddenLayers'?)",
    );
    expect(() => parseConfig('c', schema, { dim: 2, zebra: 1 })).toThrow(
      "c.zebra: unknown option 'zebra' (expected one of dim, numBins, conditioner)",
    );
  });
});

describe('nearestName', () => {
  it('finds typos, wrong capitals and renamed options', () => {
    expect(nearestName('hiddenFeature', ['dim', 'hiddenFeatures'])).toBe('hiddenFeatures');
    expect(nearestName('numlayer', ['numTransforms', 'numBins'])).toBe('numTransforms');
    expect(nearestName('contextFeatures', ['inFeatures', 'contextDim'])).toBe('contextDim');
    expect(nearestName('lr', ['steps', 'learningRate'])).toBe('learningRate');
    expect(nearestName('step', ['steps', 'learningRate'])).toBe('steps');
    expect(nearestName('banana', ['dim', 'seed'])).toBeUndefined();
  });
});
