import { heatmap, panels, scatter } from '@diffeo/plots';
import { draw } from '../../plots.js';
import type { Extent, FromWorker } from '../../protocol.js';
import { dataPicker } from '../../ui/data-picker.js';
import { el, labelled, select } from '../../ui/dom.js';
import { schemaForm } from '../../ui/schema-form.js';
import { trainingFields } from '../../ui/training-fields.js';
import type { Mode, ModeContext } from '../mode.js';
import { bestResult } from './compare.js';
import type { AuxResult, MarginalizingJob } from './protocol.js';
import { cappedDensity, likelihoodFigure, likelihoodTable, lossFigure } from './views.js';

/** The thesis's R-block flow on D + B dimensions and its training objective, as a form. */
const MODEL_SCHEMA = {
  properties: {
    numBlocks: { type: 'integer', default: 3 },
    hiddenFeatures: { type: 'integer', default: 32 },
    hiddenLayers: { type: 'integer', default: 2 },
    objective: { enum: ['joint', 'importance'], default: 'joint' },
    trainSamples: { type: 'integer', default: 1 },
  },
};
const MAX_B = 16;
const MAX_MODELS = 8;
/** Data rows drawn under each model's samples. */
const DATA_IN_PANELS = 1000;
/** Plain colors (no legend per panel; the panels' title says which is which). */
const DATA_COLOR = '#9aa0a6';
const SAMPLE_COLOR = '#e4572e';

/** "0, 1,2" → [0, 1, 2]: distinct non-negative integers, in the order given. */
export function parseAuxDims(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  const values = parts.map(Number);
  const bad = parts.find((p, i) => !/^\d+$/.test(p) || values[i]! > MAX_B);
  if (bad !== undefined) throw new Error(`B values: expected integers from 0 to ${MAX_B}, got '${bad}'`);
  if (values.length === 0) throw new Error('B values: give at least one, e.g. 0,1,2');
  if (new Set(values).size !== values.length) throw new Error(`B values: each at most once, got ${text}`);
  if (values.length > MAX_MODELS)
    throw new Error(`B values: at most ${MAX_MODELS} models, got ${values.length}`);
  return values;
}

const inExtent =
  ([x0, x1, y0, y1]: Extent) =>
  (p: readonly number[]) =>
    p[0]! >= x0 && p[0]! <= x1 && p[1]! >= y0 && p[1]! <= y1;

/**
 * Marginalizing mode: a marginalizing flow per B (auxiliary Gaussian dimensions, integrated out by
 * importance sampling with S samples), trained one after another on one data set; their held-out
 * log-likelihood estimates side by side, each model's samples over the data, and the best one's
 * density. A save takes the model of the B picked in `#save-b` (the best by default).
 */
export function marginalizingMode({ catalog, steps: urlSteps }: ModeContext): Mode {
  const data = dataPicker(catalog, 'dataset', 'gaussian-power', { psi: 3 });
  const auxDimsInput = el('input', { id: 'aux-dims', type: 'text', value: '0,1,2', size: '10' });
  const samplesInput = el('input', { id: 'importance-samples', type: 'number', value: '100', min: '1' });
  const modelOptions = schemaForm(MODEL_SCHEMA, 'marg');
  const training = trainingFields({ steps: urlSteps ?? 600, batchSize: 256, learningRate: 0.003, seed: 0 });
  const saveSelect = select('save-b', []);

  const lossPlot = el('div', { id: 'marg-loss-plot', class: 'panel' });
  const likelihoodPlot = el('div', { id: 'marg-likelihood-plot', class: 'panel' });
  const tableHost = el('div', { id: 'marg-results', class: 'panel' });
  const samplePlot = el('div', { id: 'marg-sample-plot', class: 'panel' });
  const densityPlot = el('div', { id: 'marg-density-plot', class: 'panel' });
  const element = el(
    'section',
    { id: 'marginalizing-mode' },
    el(
      'div',
      { class: 'row' },
      el('fieldset', {}, el('legend', {}, 'Data'), data.element),
      el(
        'fieldset',
        { class: 'compact' },
        el('legend', {}, 'Marginalizing flows'),
        labelled('B values (auxiliary dimensions)', auxDimsInput),
        labelled('S (importance samples)', samplesInput),
        el('p', { class: 'hint' }, 'R-block flow on D + B dimensions, one per B:'),
        modelOptions.element,
      ),
      training.element,
    ),
    el('div', { class: 'row' }, lossPlot, likelihoodPlot, tableHost),
    el('div', { class: 'row' }, samplePlot, densityPlot),
  );

  let points: number[][] = [];
  let extent: Extent | undefined;
  let heldOutRows = 0;
  const curves = new Map<number, { steps: number[]; losses: number[] }>();
  const draws = new Map<number, { title: string; points: number[][] }>();
  const results = new Map<number, AuxResult>();
  let current: { auxDims: number; offset: number } | undefined;

  async function job(): Promise<MarginalizingJob> {
    const settings = training.value();
    const importanceSamples = Number(samplesInput.value);
    if (!Number.isInteger(importanceSamples) || importanceSamples < 1) {
      throw new Error(`S: expected a positive integer, got '${samplesInput.value}'`);
    }
    return {
      mode: 'marginalizing',
      data: await data.choice(),
      auxDims: parseAuxDims(auxDimsInput.value),
      importanceSamples,
      model: modelOptions.value(),
      ...settings,
      snapshotEvery: Math.max(50, Math.round(settings.steps / 6)),
      ...(saveSelect.value === '' ? {} : { saveB: Number(saveSelect.value) }),
    };
  }

  function showResults(): void {
    const list = [...results.values()];
    const best = bestResult(list);
    saveSelect.replaceChildren(
      ...list.map((r) =>
        el('option', { value: String(r.auxDims) }, `B = ${r.auxDims}${r === best ? ' (best)' : ''}`),
      ),
    );
    if (best !== undefined) saveSelect.value = String(best.auxDims);
    tableHost.replaceChildren(
      el('h3', {}, 'Held-out log-likelihood (importance-sampled estimate)'),
      likelihoodTable(list),
      el(
        'p',
        { class: 'note' },
        'Each held-out row is scored with S auxiliary samples from a fixed seed. Monte Carlo ± is the ',
        "error of that sampling, data ± the spread over rows; 'vs best' compares on the same rows.",
      ),
      labelled('model to save', saveSelect),
    );
  }

  async function drawSamples(): Promise<void> {
    if (extent === undefined) return;
    const keep = inExtent(extent);
    const shownData = points.slice(0, DATA_IN_PANELS).filter(keep);
    const panel = (title: string, drawn: number[][]) => {
      const shown = drawn.filter(keep);
      return scatter({
        points: [...shownData, ...shown],
        color: [...shownData.map(() => DATA_COLOR), ...shown.map(() => SAMPLE_COLOR)],
        title: drawn.length > shown.length ? `${title} (${drawn.length - shown.length} outside)` : title,
        xDomain: [extent![0], extent![1]],
        yDomain: [extent![2], extent![3]],
        size: 4,
        width: 200,
        height: 200,
      });
    };
    const figures = [...draws.values()].map((d) => panel(d.title, d.points));
    await draw(
      samplePlot,
      figures.length === 0
        ? scatter({ points: points.filter(keep), title: `data (${points.length} rows plotted)` })
        : panels(figures, {
            columns: Math.min(figures.length, 4),
            title: 'samples of each model (orange) over the data (grey)',
          }),
    );
  }

  async function onMessage(message: FromWorker): Promise<void> {
    switch (message.type) {
      case 'marg-data':
        points = message.points;
        extent = message.extent;
        heldOutRows = message.heldOutRows;
        curves.clear();
        draws.clear();
        results.clear();
        current = undefined;
        showResults();
        lossPlot.replaceChildren();
        likelihoodPlot.replaceChildren();
        densityPlot.replaceChildren();
        if (extent === undefined)
          samplePlot.replaceChildren(`${message.dim}-D data: samples are drawn for 2 or more columns`);
        await drawSamples();
        return;
      case 'marg-start':
        current = { auxDims: message.auxDims, offset: message.offset };
        curves.set(message.auxDims, { steps: [], losses: [] });
        return;
      case 'progress':
        if (current !== undefined) {
          const curve = curves.get(current.auxDims);
          curve?.steps.push(message.step - current.offset);
          curve?.losses.push(message.loss);
        }
        return;
      case 'marg-samples':
        draws.set(message.auxDims, {
          title: `B = ${message.auxDims}, step ${message.step}`,
          points: message.draws,
        });
        if (curves.size > 0) await draw(lossPlot, lossFigure(curves));
        await drawSamples();
        return;
      case 'marg-result': {
        const r = message.result;
        results.set(r.auxDims, r);
        draws.set(r.auxDims, {
          title: `B = ${r.auxDims}: log p̂ ${r.logLikelihood.toFixed(3)}`,
          points: r.draws,
        });
        showResults();
        if (curves.size > 0) await draw(lossPlot, lossFigure(curves));
        await draw(likelihoodPlot, likelihoodFigure([...results.values()], heldOutRows));
        await drawSamples();
        return;
      }
      case 'marg-density':
        await draw(
          densityPlot,
          heatmap({
            ...message.grid,
            values: cappedDensity(message.grid.values),
            title: `density p̂(x) of B = ${message.auxDims} (S = ${message.samples})`,
            colorTitle: 'p̂, capped at 99%',
            width: 240,
            height: 240,
          }),
        );
        return;
    }
  }

  return { element, job, onMessage };
}
