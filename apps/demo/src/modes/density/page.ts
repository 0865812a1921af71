import { heatmap, panels, scatter } from '@diffeo/plots';
import { draw } from '../../plots.js';
import { type FromWorker, PRESETS, type PresetName } from '../../protocol.js';
import { dataPicker } from '../../ui/data-picker.js';
import { el, labelled, select } from '../../ui/dom.js';
import { LossCurves } from '../../ui/loss-curves.js';
import { type SchemaForm, schemaForm } from '../../ui/schema-form.js';
import { trainingFields } from '../../ui/training-fields.js';
import type { Mode, ModeContext } from '../mode.js';
import type { DensityJob } from './protocol.js';

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

/**
 * Density mode: pick a data set (or upload a CSV) and an architecture (a preset, or a stack of any
 * registered bijector with its config form), train it in the worker, and watch the loss curves,
 * samples over the data and the learned density.
 */
export function densityMode({ catalog, steps: urlSteps }: ModeContext): Mode {
  const data = dataPicker(catalog, 'dataset', 'checkerboard');

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

  const training = trainingFields({
    steps: urlSteps ?? 1500,
    batchSize: 256,
    learningRate: 0.002,
    seed: 0,
  });

  const lossPlot = el('div', { id: 'loss-plot', class: 'panel' });
  const samplePlot = el('div', { id: 'sample-plot', class: 'panel' });
  const densityPlot = el('div', { id: 'density-plot', class: 'panel' });
  const element = el(
    'section',
    { id: 'density-mode' },
    el(
      'div',
      { class: 'row' },
      el('fieldset', {}, el('legend', {}, 'Data'), data.element),
      el('fieldset', {}, el('legend', {}, 'Flow'), labelled('architecture', modelSelect), modelForm),
      training.element,
    ),
    el('div', { class: 'row' }, lossPlot, samplePlot, densityPlot),
  );

  let points: number[][] = [];
  const curves = new LossCurves();

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
    const settings = training.value();
    return {
      mode: 'density',
      data: await data.choice(),
      model,
      ...settings,
      snapshotEvery: Math.max(50, Math.round(settings.steps / 15)),
    };
  }

  async function onMessage(message: FromWorker): Promise<void> {
    if (message.type === 'data') {
      points = message.points;
      curves.reset();
      lossPlot.replaceChildren();
      densityPlot.replaceChildren();
      await draw(samplePlot, scatter({ points, title: `data (${message.rows} rows, ${message.dim}-D)` }));
    } else if (message.type === 'progress') {
      curves.addTraining(message.step, message.loss);
    } else if (message.type === 'snapshot') {
      curves.addHeldOut(message.step, message.validationLoss);
      await drawSnapshot(message);
    }
  }

  async function drawSnapshot(message: Extract<FromWorker, { type: 'snapshot' }>): Promise<void> {
    await draw(lossPlot, curves.figure());
    const dim = points[0]?.length ?? 2;
    const pairs = dim <= 2 ? [[0, 1]] : [[0, 1], [0, 2], [1, 2], ...(dim > 3 ? [[2, 3]] : [])];
    const colors = [...points.map(() => 0), ...message.samples.map(() => 1)];
    const pairFigure = (i: number, j: number) =>
      scatter({
        points: [...points, ...message.samples].map((p) => [p[i]!, p[j]!]),
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

  return { element, job, onMessage };
}
