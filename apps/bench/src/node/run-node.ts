import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProgressEvent } from '../harness.js';
import type { RunRequest } from '../run-backend.js';
import type { BackendResult } from '../types.js';
import type { RunnerMessage } from './messages.js';

const childPath = fileURLToPath(new URL('./child.js', import.meta.url));

/** Runs one Node backend in a child process and resolves with its result. */
export function runNode(
  request: RunRequest,
  onProgress: (event: ProgressEvent) => void,
): Promise<BackendResult> {
  return new Promise((resolve, reject) => {
    const child = fork(childPath, [JSON.stringify(request)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: BackendResult | undefined;
    let failure: string | undefined;
    child.on('message', (message: RunnerMessage) => {
      if (message.type === 'progress') onProgress(message.event);
      else if (message.type === 'result') result = message.result;
      else failure = message.message;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result !== undefined) resolve(result);
      else
        reject(
          new Error(
            `${request.backend}: the runner process failed (exit ${code ?? signal})${failure ? `: ${failure}` : ''}`,
          ),
        );
    });
  });
}
