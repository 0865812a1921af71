/// <reference lib="webworker" />
// The worker trains and evaluates, so the page stays responsive: one registry, one backend, one session.
import '@diffeo/bijectors';
import '@diffeo/datasets';
import '@diffeo/distributions';
import { useBackend } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import type { FromWorker, ToWorker } from '../protocol.js';
import { catalog } from './catalog.js';
import { JobControl } from './job-control.js';
import { Session } from './session.js';

const post = (message: FromWorker) => self.postMessage(message);
const session = new Session(post);
let control: JobControl | undefined;
let running: Promise<void> | undefined;

function report(e: unknown): void {
  const error = e instanceof Error ? e : new Error(String(e));
  post({ type: 'error', name: error.name, message: error.message });
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'backend': {
      if (message.backend === 'webgl') {
        // Machines without a GPU (and headless Chromium) have WebGL only in software: let tfjs use
        // it. The flag exists once the webgl backend's module has registered it.
        await import('@tensorflow/tfjs-backend-webgl');
        tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
      }
      const info = await useBackend(message.backend, { wasmPaths: message.wasmPaths });
      post({ type: 'backend', info, catalog: catalog() });
      return;
    }
    case 'start': {
      control?.stop();
      await running;
      const job = new JobControl();
      control = job;
      running = session.train(message.job, job).catch((e) => {
        report(e);
        post({ type: 'state', state: 'stopped', detail: 'failed' });
      });
      return;
    }
    case 'mode':
      await session.request(message.request);
      return;
    case 'pause':
      control?.pause();
      post({ type: 'state', state: 'paused' });
      return;
    case 'resume':
      control?.unpause();
      return;
    case 'stop':
      control?.stop();
      return;
    case 'save':
      await running;
      await session.save(message.to, message.job);
      return;
    case 'load':
      control?.stop();
      await running;
      await session.load(message.from, message.job);
      return;
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch(report);
};
