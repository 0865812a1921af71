import { Digits } from '@diffeo/datasets';
import { imageExperiment } from './images.js';

const LOGIT_ALPHA = 0.05;

/** The MNIST experiment's setting on the shipped 8x8 UCI digits 0-4 (901 images), which trains in minutes. */
export const mixturesDigits = imageExperiment({
  name: 'mixtures-digits',
  title: '8x8 digits',
  reproduces: 'Pires and Figueiredo, section 4.2 and Table 1, on the 8x8 UCI digits instead of MNIST',
  description:
    'A mixture of 5 MAFs with a posterior MLP clusters the 8x8 digits 0-4 without labels: contingency table, matched accuracy, held-out log-likelihood, samples per component',
  settings: {
    quick:
      '300 images, 15 epochs of batch 50, MAFs of 2 blocks (MADE hidden 32), posterior hidden 64, Adam 1e-3; seed 0',
    full: "all 901 images of digits 0-4 (90% train, 10% test), the paper's models (5 MAFs of 5 blocks, MADE hidden 200, posterior hidden 512) and batch 100, but 30 epochs of Adam 1e-3 instead of 100 of 1e-4 (a shared 2-core machine); seed 0",
  },
  quick: {
    n: 300,
    epochs: 15,
    batchSize: 50,
    learningRate: 1e-3,
    blocks: 2,
    madeHidden: 32,
    posteriorHidden: 64,
    seeds: [0],
    samplesPerComponent: 4,
  },
  full: {
    epochs: 30,
    batchSize: 100,
    learningRate: 1e-3,
    blocks: 5,
    madeHidden: 200,
    posteriorHidden: 512,
    seeds: [0],
    samplesPerComponent: 10,
  },
  side: 8,
  logitAlpha: LOGIT_ALPHA,
  dataset: () => new Digits({ digits: [0, 1, 2, 3, 4], logitAlpha: LOGIT_ALPHA }),
  levels: 17,
});
