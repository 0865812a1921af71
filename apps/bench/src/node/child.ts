// A Node child process that runs one backend (cpu or wasm) and reports over IPC. One process per
// backend, so the peak-memory figures and the wasm heap belong to that backend alone.
import { useBackend } from '@diffeo/core';
import type { Platform } from '../harness.js';
import { type RunRequest, reportOf, runBackend } from '../run-backend.js';
import { machineInfo, nodeRuntime } from './machine.js';
import type { RunnerMessage } from './messages.js';

const send = (message: RunnerMessage) =>
  new Promise<void>((resolve, reject) => {
    if (process.send === undefined) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
      return;
    }
    process.send(message, (error: Error | null) => (error ? reject(error) : resolve()));
  });

const platform: Platform = {
  runtime: 'node',
  processBytes: () => process.memoryUsage.rss(),
  // resourceUsage reports kilobytes on Linux.
  maxRssBytes: () => process.resourceUsage().maxRSS * 1024,
};

// tfjs's cpu backend advertises tfjs-node on first use; it cannot be installed here (see the README).
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('looks like you are running TensorFlow.js in Node.js'))
    return;
  warn(...args);
};

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as RunRequest;
  if (request.backend !== 'cpu' && request.backend !== 'wasm') {
    throw new Error(`node runner: expected backend cpu or wasm, got '${String(request.backend)}'`);
  }
  const info = await useBackend(
    request.backend,
    request.threads === undefined || request.backend !== 'wasm' ? {} : { threads: request.threads },
  );
  const result = await runBackend(request, {
    platform,
    runtime: {
      ...nodeRuntime(),
      version: `${process.version} (load ${machineInfo().loadAverage.join(' ')})`,
    },
    reported: reportOf(info),
    onProgress: (event) => send({ type: 'progress', event }),
  });
  await send({ type: 'result', result });
}

main().then(
  () => process.exit(0),
  async (e: unknown) => {
    await send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }).catch(
      () => {},
    );
    process.exit(1);
  },
);
