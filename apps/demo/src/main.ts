import { io } from '@tensorflow/tfjs-core';
import { MODES } from './modes/index.js';
import type { Mode } from './modes/mode.js';
import type { Catalog, DemoBackend, FromWorker, Job, ModeName, ToWorker } from './protocol.js';
import { describeBackend } from './ui/backend-panel.js';
import { el, labelled, select } from './ui/dom.js';
import { WASM_PATHS } from './wasm-paths.js';

const app = document.getElementById('app')!;
const params = new URLSearchParams(location.search);
const initialBackend = (params.get('backend') ?? 'wasm') as DemoBackend;
const autostart = params.get('autostart') !== '0';
const urlSteps = params.has('steps') ? Number(params.get('steps')) : undefined;
const initialMode = (params.get('mode') ?? 'density') as ModeName;

const modeSelect = select(
  'mode-select',
  Object.entries(MODES).map(([name, entry]) => [name, entry.label] as const),
  initialMode in MODES ? initialMode : 'density',
);

const backendSelect = select(
  'backend',
  [
    ['webgl', 'webgl (GPU)'],
    ['wasm', 'wasm (CPU, SIMD)'],
    ['cpu', 'cpu (plain JS)'],
  ],
  initialBackend,
);
const backendInfo = el('span', { id: 'backend-info', class: 'status' }, 'starting…');
const buttons = {
  train: el('button', { id: 'train' }, 'Train'),
  pause: el('button', { id: 'pause' }, 'Pause'),
  resume: el('button', { id: 'resume' }, 'Resume'),
  stop: el('button', { id: 'stop' }, 'Stop'),
  reset: el('button', { id: 'reset' }, 'Reset'),
};
const progress = el('progress', { id: 'progress', max: '1', value: '0' });
const status = el('span', { id: 'status', class: 'status' }, 'idle');
const errorBox = el('div', { id: 'error', class: 'error', role: 'alert' });
const modelButtons = {
  save: el('button', { id: 'save' }, 'Save in browser'),
  load: el('button', { id: 'load' }, 'Load from browser'),
  download: el('button', { id: 'download' }, 'Download'),
};
const upload = el('input', { id: 'upload', type: 'file', multiple: '', accept: '.json,.bin' });
const modelStatus = el('span', { id: 'model-status', class: 'status' });
const modeHost = el('div', { id: 'mode' });
app.append(
  el('fieldset', {}, el('legend', {}, 'Backend'), labelled('backend', backendSelect), backendInfo),
  el('nav', {}, labelled('mode', modeSelect)),
  el('div', {}, ...Object.values(buttons), progress, ' ', status),
  errorBox,
  el(
    'fieldset',
    {},
    el('legend', {}, 'Model'),
    ...Object.values(modelButtons),
    labelled('upload model.json + weights', upload),
    modelStatus,
  ),
  modeHost,
);

let worker: Worker | undefined;
let catalog: Catalog | undefined;
let mode: Mode | undefined;

const showError = (message: string) => {
  errorBox.textContent = message;
};
const send = (message: ToWorker) => worker?.postMessage(message);

function startWorker(backend: DemoBackend, start: boolean): void {
  worker?.terminate();
  backendInfo.textContent = `starting ${backend}…`;
  status.textContent = 'idle';
  progress.value = 0;
  worker = new Worker(new URL('./worker/train.worker.ts', import.meta.url), { type: 'module' });
  worker.onerror = (e) => showError(`worker: ${e.message}`);
  worker.onmessage = async ({ data }: MessageEvent<FromWorker>) => {
    try {
      await onMessage(data, start);
    } catch (e) {
      showError((e as Error).message);
    }
  };
  send({ type: 'backend', backend, wasmPaths: WASM_PATHS });
}

async function onMessage(message: FromWorker, start: boolean): Promise<void> {
  switch (message.type) {
    case 'backend':
      backendInfo.textContent = describeBackend(message.info);
      catalog = message.catalog;
      showMode();
      if (start) await train();
      return;
    case 'progress':
      progress.max = message.steps;
      progress.value = message.step;
      // The first and latest loss of the run, for whoever checks that it falls (the browser tests).
      progress.dataset.firstLoss ??= String(message.loss);
      progress.dataset.lastLoss = String(message.loss);
      status.textContent = `${message.phase === undefined ? '' : `${message.phase}: `}step ${message.step}/${message.steps}, loss ${message.loss.toFixed(3)}`;
      break;
    case 'state':
      status.dataset.state = message.state;
      status.textContent = `${message.state}${message.detail === undefined ? '' : `: ${message.detail}`}`;
      break;
    case 'artifacts':
      await io.getSaveHandlers('downloads://diffeo-model')[0]!.save!(message.artifacts);
      modelStatus.textContent = 'downloaded diffeo-model.json and diffeo-model.weights.bin';
      return;
    case 'model':
      modelStatus.textContent = `${message.event} ${message.where}: validation NLL ${message.validationLoss.toFixed(4)} nats`;
      return;
    case 'error':
      showError(`${message.name}: ${message.message}`);
      return;
  }
  await mode?.onMessage(message);
}

/** Builds the panel of the mode picked in the menu (a running job is stopped first). */
function showMode(): void {
  if (catalog === undefined) return;
  send({ type: 'stop' });
  mode = MODES[modeSelect.value as ModeName].create({
    catalog,
    send: (request) => send({ type: 'mode', request }),
    ...(urlSteps === undefined ? {} : { steps: urlSteps }),
    start,
  });
  modeHost.replaceChildren(mode.element);
  modeHost.dataset.mode = modeSelect.value;
}

async function start(job: () => Promise<Job>): Promise<void> {
  showError('');
  delete progress.dataset.firstLoss;
  try {
    send({ type: 'start', job: await job() });
  } catch (e) {
    showError((e as Error).message);
  }
}

async function train(): Promise<void> {
  const current = mode;
  if (current !== undefined) await start(() => current.job());
}

async function loadModel(from: 'indexeddb' | File[]): Promise<void> {
  if (mode === undefined) return;
  showError('');
  try {
    send({ type: 'load', from, job: await mode.job() });
  } catch (e) {
    showError((e as Error).message);
  }
}

/** Saves the current model; the mode's job goes along so a mode with several models can pick one. */
async function saveModel(to: 'indexeddb' | 'download'): Promise<void> {
  showError('');
  const job = await mode?.job().catch(() => undefined);
  send({ type: 'save', to, ...(job === undefined ? {} : { job }) });
}

modelButtons.save.addEventListener('click', () => void saveModel('indexeddb'));
modelButtons.download.addEventListener('click', () => void saveModel('download'));
modelButtons.load.addEventListener('click', () => void loadModel('indexeddb'));
upload.addEventListener('change', () => void loadModel(Array.from(upload.files ?? [])));
buttons.train.addEventListener('click', () => void train());
buttons.pause.addEventListener('click', () => send({ type: 'pause' }));
buttons.resume.addEventListener('click', () => send({ type: 'resume' }));
buttons.stop.addEventListener('click', () => send({ type: 'stop' }));
buttons.reset.addEventListener('click', () => startWorker(backendSelect.value as DemoBackend, false));
backendSelect.addEventListener('change', () => startWorker(backendSelect.value as DemoBackend, false));
modeSelect.addEventListener('change', showMode);

startWorker(initialBackend, autostart);
