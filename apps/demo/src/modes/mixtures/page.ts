import { CATEGORY_COLORS } from '@diffeo/plots';
import { draw } from '../../plots.js';
import { type Extent, type FromWorker, PRESETS, type PresetName } from '../../protocol.js';
import { dataPicker } from '../../ui/data-picker.js';
import { el, labelled, select } from '../../ui/dom.js';
import { LossCurves } from '../../ui/loss-curves.js';
import { dataCoordinates } from '../../ui/plot-coordinates.js';
import { trainingFields } from '../../ui/training-fields.js';
import type { Mode, ModeContext } from '../mode.js';
import { dataFigure, type Regions, samplesFigure } from './figures.js';
import { LabelPanel } from './label-panel.js';
import { nearestRow } from './labels.js';
import type { MixtureJob, MixtureMessage, MixturePrior } from './protocol.js';

type Snapshot = Extract<MixtureMessage, { type: 'mixture-snapshot' }>;

const PRESET_LABELS: Record<PresetName, string> = {
  'nsf-coupling': 'NSF (coupling)',
  'nsf-autoregressive': 'NSF (autoregressive)',
  maf: 'MAF',
  realnvp: 'RealNVP',
};
const MAX_K = CATEGORY_COLORS.length;

const number = (id: string, value: number, attributes: Record<string, string> = {}) =>
  el('input', { id, type: 'number', value: String(value), ...attributes });

/**
 * Mixture mode: a variational mixture of K flows (@diffeo/mixtures) clusters a data set without
 * labels; the page draws the paper's Figure 6 (samples by component over the regions of the
 * posterior's argmax) and the data by cluster, where a click labels the nearest point with a
 * component for semi-supervised training.
 */
export function mixturesMode({ catalog, steps: urlSteps, start }: ModeContext): Mode {
  const data = dataPicker(catalog, 'mix-data', 'pinwheel');
  const components = number('components', 5, { min: '1', max: String(MAX_K) });
  const flow = select(
    'component-flow',
    PRESETS.map((p) => [p, PRESET_LABELS[p]] as const),
    'maf',
  );
  const transforms = number('component-transforms', 2, { min: '1' });
  const hidden = number('component-hidden', 16, { min: '1' });
  const posteriorHidden = number('posterior-hidden', 16, { min: '1' });
  const prior = select(
    'prior',
    [
      ['uniform', 'uniform'],
      ['learned', 'learned'],
      ['estimated', 'estimated'],
    ],
    'uniform',
  );
  const tInitial = number('temperature-initial', 5, { step: 'any', min: '0' });
  const tFinal = number('temperature-final', 1, { step: 'any', min: '0' });
  const training = trainingFields({ steps: urlSteps ?? 1000, batchSize: 256, learningRate: 0.005, seed: 0 });

  const lossPlot = el('div', { id: 'mix-loss-plot', class: 'panel' });
  const regionsPlot = el('div', { id: 'mix-regions-plot', class: 'panel' });
  const pointsPlot = el('div', { id: 'mix-points-plot', class: 'panel clickable' });
  const metrics = el('p', { id: 'mix-metrics', class: 'status' });
  const panel = new LabelPanel(() => void drawData());

  const element = el(
    'section',
    { id: 'mixtures-mode' },
    el(
      'div',
      { class: 'row' },
      el('fieldset', {}, el('legend', {}, 'Data'), data.element),
      el(
        'fieldset',
        {},
        el('legend', {}, 'Mixture'),
        labelled('K', components),
        labelled('prior p(z)', prior),
        labelled('temperature', tInitial),
        labelled('→', tFinal),
        el('br'),
        labelled('component flow', flow),
        labelled('transforms', transforms),
        labelled('hidden', hidden),
        el('br'),
        labelled('posterior q(z|x) hidden', posteriorHidden),
      ),
      training.element,
    ),
    metrics,
    el(
      'div',
      { class: 'row' },
      regionsPlot,
      pointsPlot,
      el('div', { class: 'narrow' }, panel.element, lossPlot),
    ),
  );

  let points: number[][] = [];
  let extent: Extent = [0, 1, 0, 1];
  let last: Snapshot | undefined;
  let curves = new LossCurves();
  /** Whether the job last sent had labels: its loss curve starts with the labelled loss. */
  let labelledRun = false;

  const regions = (): Regions | undefined =>
    last?.regions === undefined ? undefined : { grid: last.regions, components: last.components };
  const drawData = () =>
    points.length === 0
      ? Promise.resolve()
      : draw(pointsPlot, dataFigure(points, last?.clusters, panel.labels.all, extent, regions()));

  components.addEventListener('change', () =>
    panel.setComponents(Math.max(1, Math.min(Math.round(Number(components.value)) || 1, MAX_K))),
  );
  components.dispatchEvent(new Event('change'));
  data.select.addEventListener('change', () => panel.clear());
  pointsPlot.addEventListener('click', (event) => {
    const at = dataCoordinates(pointsPlot, extent, event);
    if (at === undefined || points.length === 0) return;
    const i = nearestRow(points, at);
    panel.label(points[i]!, last?.clusters[i]);
  });
  panel.trainButton.addEventListener('click', () => void start(labelledJob));

  async function job(): Promise<MixtureJob> {
    const settings = training.value();
    const k = Number(components.value);
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
      throw new Error(`K: expected an integer from 1 to ${MAX_K}, got ${components.value}`);
    }
    labelledRun = false;
    return {
      mode: 'mixtures',
      data: await data.choice(),
      components: k,
      component: {
        preset: flow.value as PresetName,
        numTransforms: Number(transforms.value),
        hiddenFeatures: Number(hidden.value),
      },
      posteriorHidden: Number(posteriorHidden.value),
      prior: prior.value as MixturePrior,
      temperature: { initial: Number(tInitial.value), final: Number(tFinal.value) },
      ...settings,
      snapshotEvery: Math.max(50, Math.round(settings.steps / 10)),
    };
  }

  async function labelledJob(): Promise<MixtureJob> {
    const base = await job();
    const labelled = panel.points(base.components);
    labelledRun = true;
    return { ...base, labelled };
  }

  async function onMessage(message: FromWorker): Promise<void> {
    if (message.type === 'mixture-data') {
      points = message.points;
      extent = message.extent;
      last = undefined;
      curves = new LossCurves(
        labelledRun ? 'labelled loss, then −ELBO; held-out NLL' : 'train −ELBO and held-out NLL',
        'held-out',
        'train',
      );
      lossPlot.replaceChildren();
      regionsPlot.replaceChildren();
      metrics.textContent = `${message.rows} rows, ${message.dim}-D; the plots show ${points.length} training rows`;
      await drawData();
    } else if (message.type === 'progress') {
      curves.addTraining(message.step, message.loss);
    } else if (message.type === 'mixture-snapshot') {
      last = message;
      curves.addHeldOut(message.step, message.validationLoss);
      showMetrics(message);
      if (message.labelledPredictions !== undefined)
        panel.showPredictions(message.step, message.labelledPredictions);
      const title = `samples by component, step ${message.step}`;
      await draw(
        regionsPlot,
        samplesFigure(message.samples, message.sampleComponents, extent, regions(), title),
      );
      await drawData();
      await draw(lossPlot, curves.figure());
    }
  }

  function showMetrics(s: Snapshot): void {
    const parts = [
      `step ${s.step}`,
      `held-out NLL ${s.validationLoss.toFixed(3)} nats`,
      `T ${s.temperature.toFixed(2)}`,
    ];
    if (s.scores !== undefined) {
      const { accuracy, ari, nmi, rows, classes } = s.scores;
      parts.push(
        `held-out clustering (${rows} rows, ${classes} classes, K = ${s.components}): accuracy ${accuracy.toFixed(3)}, ARI ${ari.toFixed(3)}, NMI ${nmi.toFixed(3)}`,
      );
    } else {
      parts.push('no labels in this data set: no clustering scores');
    }
    metrics.textContent = parts.join(' · ');
  }

  return { element, job, onMessage };
}
