import { create } from '@diffeo/core';
import { Flow, maf, nsf, realNVP } from '@diffeo/distributions';
import type { ModelChoice } from '../protocol.js';

/**
 * The flow a person chose, on `dim` dimensions: a ready-made architecture with its options, or
 * `layers` copies of one registered bijector (built-in or the user's) with reverse permutations in
 * between, over a standard normal.
 */
export function buildModel(choice: ModelChoice, dim: number, seed: number): Flow {
  if (choice.kind === 'preset') {
    const options = { ...choice.options, dim, seed };
    switch (choice.preset) {
      case 'nsf-coupling':
        return nsf({ ...options, kind: 'coupling' });
      case 'nsf-autoregressive':
        return nsf({ ...options, kind: 'autoregressive' });
      case 'maf':
        return maf(options);
      case 'realnvp':
        return realNVP(options);
    }
  }
  const layer = (i: number) => ({
    kind: 'bijector',
    type: choice.bijector,
    config: { ...choice.config, dim, ...('seed' in choice.config ? { seed: seed + i } : {}) },
  });
  const bijectors = Array.from({ length: choice.layers }, (_, i) =>
    i < choice.layers - 1
      ? [layer(i), { kind: 'bijector', type: 'permutation', config: { dim, permutation: 'reverse' } }]
      : [layer(i)],
  ).flat();
  const flow = create<Flow>({
    kind: 'distribution',
    type: 'flow',
    config: {
      base: { kind: 'distribution', type: 'standard-normal', config: { dim } },
      bijector: { kind: 'bijector', type: 'chain', config: { bijectors } },
    },
  });
  if (!(flow instanceof Flow)) throw new Error('the registry built no flow');
  return flow;
}
