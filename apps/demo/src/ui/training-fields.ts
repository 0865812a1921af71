import type { TrainingSettings } from '../protocol.js';
import { el, labelled } from './dom.js';

/**
 * The training fieldset every mode shows: steps, batch size, learning rate and seed. `stepsLabel`
 * says what a step count means in a mode that trains in phases.
 */
export function trainingFields(
  defaults: TrainingSettings,
  { stepsLabel = 'steps' }: { stepsLabel?: string } = {},
): {
  element: HTMLElement;
  value(): TrainingSettings;
} {
  const input = (id: string, value: number, attributes: Record<string, string>) =>
    el('input', { id, type: 'number', value: String(value), ...attributes });
  const steps = input('steps', defaults.steps, { min: '1' });
  const batch = input('batch', defaults.batchSize, { min: '1' });
  const rate = input('rate', defaults.learningRate, { step: 'any' });
  const seed = input('seed', defaults.seed, { min: '0' });
  return {
    element: el(
      'fieldset',
      {},
      el('legend', {}, 'Training'),
      labelled(stepsLabel, steps),
      labelled('batch', batch),
      labelled('learning rate', rate),
      labelled('seed', seed),
    ),
    value: () => ({
      steps: Number(steps.value),
      batchSize: Number(batch.value),
      learningRate: Number(rate.value),
      seed: Number(seed.value),
    }),
  };
}
