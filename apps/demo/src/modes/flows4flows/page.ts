import { panels } from '@diffeo/plots';
import { draw } from '../../plots.js';
import type { FromWorker } from '../../protocol.js';
import { dataPicker } from '../../ui/data-picker.js';
import { el, labelled, select } from '../../ui/dom.js';
import { LossCurves } from '../../ui/loss-curves.js';
import { trainingFields } from '../../ui/training-fields.js';
import type { Mode, ModeContext } from '../mode.js';
import {
  CONDITION_RANGE,
  type ConditionTransform,
  type F4FArchitecture,
  type F4FJob,
  type F4FSetup,
} from './protocol.js';
import { dataFigure, mapFigure, type SideNames } from './views.js';

/** A condition as a person reads it: an angle (rotate, conditions over 45°) or a scale. */
function conditionLabel(transform: ConditionTransform, c: number): string {
  return transform === 'rotate' ? `${Math.round(c * 45)}°` : `scale ${c.toFixed(2)}`;
}

/**
 * Flows-for-flows mode: two data sets (or one set at two conditions), base flows trained on each,
 * then the map between them, drawn as in the paper's figures beside the base transfer; an L1
 * weight, and a slider that moves a conditional map's target condition without training again.
 */
export function flows4flowsMode({ catalog, steps: urlSteps, send }: ModeContext): Mode {
  const setupSelect = select(
    'setup',
    [
      ['two-sets', 'two data sets (left to right)'],
      ['conditional', 'one set at two conditions'],
    ],
    'two-sets',
  );
  const left = dataPicker(catalog, 'left', 'four-circles');
  const right = dataPicker(catalog, 'right', 'checkerboard');
  const conditionalBase = select(
    'cond-base',
    catalog.datasets.filter((d) => d.type !== 'conditional').map((d) => [d.type, d.type] as const),
    'four-circles',
  );
  const conditionalTransform = select(
    'cond-transform',
    [
      ['rotate', 'rotated by 0-45°'],
      ['scale', 'scaled by 0.5-1'],
    ],
    'rotate',
  );
  const twoSets = el(
    'div',
    { class: 'row' },
    el('fieldset', {}, el('legend', {}, 'Left (the inputs)'), left.element),
    el('fieldset', {}, el('legend', {}, 'Right (the target)'), right.element),
  );
  const oneSet = el(
    'fieldset',
    {},
    el('legend', {}, 'One set at two conditions'),
    labelled('data set', conditionalBase),
    labelled('moved', conditionalTransform),
    el('p', {}, 'The map takes points at the first condition to the one the slider picks.'),
  );

  const architecture = select(
    'f4f-arch',
    [
      ['tiny', 'tiny: 2 coupling spline layers of 16 units'],
      ['small', 'small: 4 coupling spline layers of 32 units'],
      ['paper', "the paper's: 4 autoregressive spline layers of 2 x 128 units"],
    ],
    'small',
  );
  // A small L1 weight keeps a map between two different sets short; a conditional map has to move
  // points as far as the condition says, so it starts without one.
  const l1Defaults: Record<F4FSetup['kind'], string> = { 'two-sets': '0.2', conditional: '0' };
  const l1Weight = el('input', {
    id: 'l1-weight',
    type: 'number',
    min: '0',
    step: 'any',
    value: l1Defaults['two-sets'],
  });
  const mapSteps = el('input', { id: 'map-steps', type: 'number', min: '1', value: String(urlSteps ?? 300) });
  const training = trainingFields(
    { steps: urlSteps ?? 400, batchSize: 128, learningRate: 0.003, seed: 0 },
    { stepsLabel: 'steps (each base flow)' },
  );

  const slider = el('input', { id: 'condition', type: 'range', step: '0.01' });
  const sliderValue = el('span', { id: 'condition-value', class: 'status' });
  const sliderRow = el('div', {}, labelled('target condition', slider), sliderValue);
  const transform = () => conditionalTransform.value as ConditionTransform;
  const showCondition = () => {
    sliderValue.textContent = conditionLabel(transform(), Number(slider.value));
  };
  const resetSlider = () => {
    const [lo, hi] = CONDITION_RANGE[transform()];
    slider.min = String(lo);
    slider.max = String(hi);
    slider.value = String(lo + ((hi - lo) * 2) / 3);
    showCondition();
  };
  let shownSetup: F4FSetup['kind'] = 'two-sets';
  const showSetup = () => {
    const conditional = setupSelect.value === 'conditional';
    const kind = conditional ? 'conditional' : 'two-sets';
    if (l1Weight.value === l1Defaults[shownSetup]) l1Weight.value = l1Defaults[kind];
    shownSetup = kind;
    // `hidden` loses to the stylesheet's `display` on rows: set the display itself.
    const show = (node: HTMLElement, on: boolean) => {
      node.style.display = on ? '' : 'none';
    };
    show(twoSets, !conditional);
    show(oneSet, conditional);
    show(sliderRow, conditional);
  };
  conditionalTransform.addEventListener('change', resetSlider);
  setupSelect.addEventListener('change', showSetup);
  slider.addEventListener('input', showCondition);
  // On release: the worker transports the inputs to the new condition with the trained map.
  slider.addEventListener('change', () =>
    send({ mode: 'flows4flows', type: 'condition', condition: Number(slider.value) }),
  );
  resetSlider();
  showSetup();

  const mapPlot = el('div', { id: 'f4f-map-plot', class: 'panel' });
  const metrics = el('p', { id: 'f4f-metrics', class: 'status' });
  const lossPlot = el('div', { id: 'f4f-loss-plot', class: 'panel' });
  const element = el(
    'section',
    { id: 'flows4flows-mode' },
    el(
      'div',
      { class: 'row' },
      el('fieldset', {}, el('legend', {}, 'Data'), labelled('setup', setupSelect), twoSets, oneSet),
      el(
        'fieldset',
        {},
        el('legend', {}, 'Flows'),
        labelled('architecture', architecture),
        el('br'),
        labelled('L1 weight', l1Weight),
        labelled('map steps', mapSteps),
      ),
      training.element,
    ),
    sliderRow,
    metrics,
    mapPlot,
    lossPlot,
  );

  // Per phase: its curves, and its first and latest training loss (for whoever checks they fall).
  const curves = new Map<string, LossCurves>();
  const phaseLosses: Record<string, [number, number]> = {};
  let sent: F4FJob | undefined;

  const names = (conditions?: { input: number; target: number }): SideNames => {
    const setup = sent?.setup;
    if (setup?.kind === 'conditional' && conditions !== undefined) {
      return {
        input: `${setup.base} at ${conditionLabel(setup.transform, conditions.input)}`,
        target: conditionLabel(setup.transform, conditions.target),
      };
    }
    const name = (c: F4FSetup & { kind: 'two-sets' }, side: 'left' | 'right') =>
      c[side].kind === 'dataset' ? c[side].type : 'CSV';
    return setup?.kind === 'two-sets'
      ? { input: name(setup, 'left'), target: name(setup, 'right') }
      : { input: 'left', target: 'right' };
  };

  const curvesOf = (phase: string) => {
    let c = curves.get(phase);
    if (c === undefined) {
      c = new LossCurves(phase, 'held-out');
      curves.set(phase, c);
    }
    return c;
  };
  const drawCurves = () =>
    draw(
      lossPlot,
      panels(
        [...curves.values()].map((c) => c.figure({ width: 260, height: 160 })),
        {
          title:
            "Loss per phase (nats). The map's training loss is both directions' NLL plus the L1 term; held-out: the left rows' NLL",
        },
      ),
    );

  async function job(): Promise<F4FJob> {
    let setup: F4FSetup;
    if (setupSelect.value === 'conditional') {
      setup = { kind: 'conditional', base: conditionalBase.value, transform: transform() };
    } else {
      if ([left, right].some((p) => p.select.value === 'conditional')) {
        throw new Error(
          "flows4flows: for the conditional data set choose the setup 'one set at two conditions'",
        );
      }
      setup = { kind: 'two-sets', left: await left.choice(), right: await right.choice() };
    }
    const weight = Number(l1Weight.value);
    if (!(weight >= 0)) throw new Error(`L1 weight: expected a number >= 0, got '${l1Weight.value}'`);
    sent = {
      mode: 'flows4flows',
      setup,
      architecture: architecture.value as F4FArchitecture,
      mapSteps: Number(mapSteps.value),
      l1Weight: weight,
      condition: Number(slider.value),
      ...training.value(),
    };
    return sent;
  }

  async function onMessage(message: FromWorker): Promise<void> {
    switch (message.type) {
      case 'f4f-data':
        curves.clear();
        for (const k of Object.keys(phaseLosses)) delete phaseLosses[k];
        delete lossPlot.dataset.losses;
        lossPlot.replaceChildren();
        metrics.textContent = '';
        for (const k of Object.keys(metrics.dataset)) delete metrics.dataset[k];
        await draw(mapPlot, dataFigure(message.input, message.target, names(message.conditions)));
        return;
      case 'progress': {
        if (message.phase === undefined) return;
        curvesOf(message.phase).addTraining(message.step, message.loss);
        const first = phaseLosses[message.phase]?.[0] ?? message.loss;
        phaseLosses[message.phase] = [first, message.loss];
        lossPlot.dataset.losses = JSON.stringify(phaseLosses);
        return;
      }
      case 'f4f-held-out':
        curvesOf(message.phase).addHeldOut(message.step, message.loss);
        await drawCurves();
        return;
      case 'f4f-map': {
        const { conditions } = message;
        if (conditions !== undefined) {
          slider.value = String(conditions.target);
          showCondition();
        }
        const n = names(conditions);
        // The held-out NLL at the identity (map step 0) and now, for whoever checks that it falls.
        if (message.step === 0) metrics.dataset.heldOutStart = String(message.validationLoss);
        metrics.dataset.heldOut = String(message.validationLoss);
        metrics.dataset.f4f = String(message.f4fTranslation);
        metrics.dataset.transfer = String(message.transferTranslation);
        metrics.textContent =
          `mean translation ${n.input} → ${n.target}: flow for flows ${message.f4fTranslation.toFixed(3)}, ` +
          `base transfer ${message.transferTranslation.toFixed(3)} · held-out NLL of the left rows under the ` +
          `flow for flows ${message.validationLoss.toFixed(4)} nats · map step ${message.step}`;
        await draw(mapPlot, mapFigure(message, n));
        return;
      }
    }
  }

  return { element, job, onMessage };
}
