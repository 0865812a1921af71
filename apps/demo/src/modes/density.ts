import { heatmap, lines, panels, scatter } from '@diffeo/plots';
import { draw } from '../plots.js';
import { el, labelled, select } from '../ui/dom.js';
import { type SchemaForm, schemaForm } from '../ui/schema-form.js';
import {
  type Catalog,
  type DataChoice,
  type DensityJob,
  type FromWorker,
  PRESETS,
  type PresetName,
} from '../worker/protocol.js';

/** Options of the ready-made architectures, as a schema so they get the same form as a plugin's. */
const PRESET_SCHEMA = {
  properties: {
    numTransforms: { type: 'integer', default: 4 },
    hiddenFeatures: { type: 'integer', default: 64 },
    numBlocks: { type: 'integer', default: 2 },
  },
};
const SPLINE_SCHEMA = {
  properties: {
    ...PRESET_SCHEMA.properties,
    numBins: { type: 'integer', default: 8 },
    tailBound: { type: 'number', default: 4 },
  },
};
const PRESET_LABELS: Record<PresetName, string> = {
  'nsf-coupling': 'NSF (coupling splines)',
  'nsf-autoregressive': 'NSF (autoregressive splines)',
  maf: 'MAF',
  realnvp: 'RealNVP',
};

/** What the density mode shows while a job runs. */
interface Curves {
  steps: number[];
  losses: number[];
  snapshotSteps: number[];
  validation: number[];
}

/**
 * Density mode: pick a data set (or upload a CSV) and an architecture (a preset, or a stack of any
 * registered bijector with its config form), train it in the worker, and watch the loss curves,
 * samples over the data and the learned density.
 */
export function densityMode(catalog: Catalog, defaults: { steps: number }) {
  const datasetSelect = select(
    'dataset',
    [...catalog.datasets.map((d) => [d.type, d.type] as const), ['csv', 'upload a CSV…']],
    'checkerboard',
  );
  const csvInput = el('input', { id: 'csv', type: 'file', accept: '.csv,text/csv' });
  const datasetForm = el('div');
  let datasetOptions: SchemaForm | undefined;
  const showDatasetForm = () => {
    const entry = catalog.datasets.find((d) => d.type === datasetSelect.value);
    datasetOptions = entry === undefined ? undefined : schemaForm(entry.schema, 'dataset');
    datasetForm.replaceChildren(datasetOptions?.element ?? labelled('CSV file (numeric columns)', csvInput));
  };
  datasetSelect.addEventListener('change', showDatasetForm);
  showDatasetForm();

  const modelSelect = select('model', [
    ...PRESETS.map((p) => [p, PRESET_LABELS[p]] as const),
    ...catalog.bijectors.map((b) => [`stack:${b.type}`, `stack of ${b.type}`] as const),
  ]);
  const layersInput = el('input', { id: 'layers', type: 'number', value: '4', min: '1' });
  const modelForm = el('div');
  let modelOptions: SchemaForm;
  const showModelForm = () => {
    const value = modelSelect.value;
    if (value.startsWith('stack:')) {
      const entry = catalog.bijectors.find((b) => `stack:${b.type}` === value)!;
      modelOptions = schemaForm(entry.schema, 'model');
      modelForm.replaceChildren(
        el('p', {}, entry.description),
        labelled('layers', layersInput),
        modelOptions.element,
      );
    } else {
      modelOptions = schemaForm(value.startsWith('nsf') ? SPLINE_SCHEMA : PRESET_SCHEMA, 'model');
      modelForm.replaceChildren(modelOptions.element);
    }
  };
  modelSelect.addEventListener('change', showModelForm);
  showModelForm();

  const steps = el('input', { id: 'steps', type: 'number', value: String(defaults.steps), min: '1' });
  const batch = el('input', { id: 'batch', type: 'number', value: '256', min: '1' });
  const rate = el('input', { id: 'rate', type: 'number', value: '0.002', step: 'any' });
  const seed = el('input', { id: 'seed', type: 'number', value: '0', min: '0' });

  const lossPlot = el('div', { id: 'loss-plot', class: 'panel' });
  const samplePlot = el('div', { id: 'sample-plot', class: 'panel' });
  const densityPlot = el('div', { id: 'density-plot', class: 'panel' });
  const element = el(
    'section',
    { id: 'density-mode' },
    el(
      'div',
      { class: 'row' },
      el('fieldset', {}, el('legend', {}, 'Data'), labelled('data set', datasetSelect), datasetForm),
      el('fieldset', {}, el('legend', {}, 'Flow'), labelled('architecture', modelSelect), modelForm),
      el(
        'fieldset',
        {},
        el('legend', {}, 'Training'),
        labelled('steps', steps),
        labelled('batch', batch),
        labelled('learning rate', rate),
        labelled('seed', seed),
      ),
    ),
    el('div', { class: 'row' }, lossPlot, samplePlot, densityPlot),
  );

  let data: number[][] = [];
  let curves: Curves = { steps: [], losses: [], snapshotSteps: [], validation: [] };

  async function dataChoice(): Promise<DataChoice> {
    if (datasetSelect.value !== 'csv') {
      return { kind: 'dataset', type: datasetSelect.value, config: datasetOptions?.value() ?? {} };
    }
    const file = csvInput.files?.[0];
    if (file === undefined) throw new Error('CSV: choose a file first');
    return { kind: 'csv', text: await file.text() };
  }

  async function job(): Promise<DensityJob> {
    const value = modelSelect.value;
    const model = value.startsWith('stack:')
      ? {
          kind: 'stack' as const,
          bijector: value.slice(6),
          config: modelOptions.value(),
          layers: Number(layersInput.value),
        }
      : { kind: 'preset' as const, preset: value as PresetName, options: modelOptions.value() };
    return {
      data: await dataChoice(),
      model,
      steps: Number(steps.value),
      batchSize: Number(batch.value),
      learningRate: Number(rate.value),
      seed: Number(seed.value),
      snapshotEvery: Math.max(50, Math.round(Number(steps.value) / 15)),
    };
  }

  async function onMessage(message: FromWorker): Promise<void> {
    if (message.type === 'data') {
      data = message.points;
      curves = { steps: [], losses: [], snapshotSteps: [], validation: [] };
      lossPlot.replaceChildren();
      densityPlot.replaceChildren();
      await draw(
        samplePlot,
        scatter({ points: data, title: `data (${message.rows} rows, ${message.dim}-D)` }),
      );
    } else if (message.type === 'progress') {
      curves.steps.push(message.step);
      curves.losses.push(message.loss);
    } else if (message.type === 'snapshot') {
      if (message.step > 0) {
        curves.snapshotSteps.push(message.step);
        curves.validation.push(message.validationLoss);
      }
      await drawSnapshot(message);
    }
  }

  async function drawSnapshot(message: Extract<FromWorker, { type: 'snapshot' }>): Promise<void> {
    await draw(
      lossPlot,
      lines({
        title: 'negative log-likelihood',
        xTitle: 'step',
        yTitle: 'nats',
        series: [
          { name: 'train', x: curves.steps, y: curves.losses },
          { name: 'validation', x: curves.snapshotSteps, y: curves.validation },
        ],
      }),
    );
    const dim = data[0]?.length ?? 2;
    const pairs = dim <= 2 ? [[0, 1]] : [[0, 1], [0, 2], [1, 2], ...(dim > 3 ? [[2, 3]] : [])];
    const colors = [...data.map(() => 0), ...message.samples.map(() => 1)];
    const pairFigure = (i: number, j: number) =>
      scatter({
        points: [...data, ...message.samples].map((p) => [p[i]!, p[j]!]),
        color: colors.map((c) => (c === 0 ? 'data' : 'samples')),
        title: `x${i} against x${j}`,
        size: 4,
      });
    await draw(
      samplePlot,
      pairs.length === 1
        ? pairFigure(0, 1)
        : panels(
            pairs.map(([i, j]) => pairFigure(i!, j!)),
            { columns: 2, title: `samples at step ${message.step}` },
          ),
    );
    if (message.density !== undefined) {
      await draw(
        densityPlot,
        heatmap({ ...message.density, title: `learned density, step ${message.step}` }),
      );
    }
  }

  return { element, job, dataChoice, seed: () => Number(seed.value), onMessage };
}
