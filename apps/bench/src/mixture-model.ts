import type { HiddenDegrees } from '@diffeo/bijectors';
import { maf } from '@diffeo/distributions';
import { MixtureOfFlows } from '@diffeo/mixtures';
import type { BenchModel, FlowPeerSpec } from './models.js';

/**
 * A mixture of flows as both sides build it (`peers/pytorch/mixture.py`): `numComponents` MAFs of
 * one shape, the posterior network (an MLP with `hiddenFeatures` x `numHiddenLayers`, ReLU), the
 * uniform prior and a fixed temperature.
 */
export interface MixturePeerSpec {
  type: 'mixture';
  dim: number;
  numComponents: number;
  component: FlowPeerSpec & { type: 'maf' };
  posterior: { hiddenFeatures: number; numHiddenLayers: number };
  temperature: number;
}

/**
 * @diffeo/mixtures' `MixtureOfFlows` of `spec` as the bench's model: the loss is the package's
 * negative ELBO, logProb the exact mixture density, a sample the rows alone. Component k starts
 * from seed 100 * seed + 10 * k, as the mixtures experiments seed theirs; its MADEs take
 * `hiddenDegrees` (the peer's are nflows's sequential ones).
 */
export function buildMixture(spec: MixturePeerSpec, seed: number, hiddenDegrees?: HiddenDegrees): BenchModel {
  const { type: _type, ...shape } = spec.component;
  const mixture = new MixtureOfFlows({
    components: Array.from({ length: spec.numComponents }, (_, k) =>
      maf({ ...shape, hiddenDegrees, seed: 100 * seed + 10 * k }),
    ),
    posterior: { ...spec.posterior, seed },
    temperature: spec.temperature,
  });
  return {
    logProb: (x) => mixture.logProb(x),
    sample: (n, options) => mixture.sample(n, options?.seed === undefined ? {} : { seed: options.seed }).x,
    loss: (batch) => mixture.loss(batch),
    namedVariables: () => mixture.namedVariables(),
    dispose: () => mixture.dispose(),
  };
}
