import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type PeerMessage, type PeerRequest, parsePeerMessage } from './protocol.js';
import { PEER_DIR, PeerError, PYTHON_ENV } from './python.js';

/** What the peer said when it started. */
export interface PeerReady {
  torch: string;
  python: string;
  threads: number;
  /** Whether glibc keeps freed memory for reuse (`keep`) or runs with its own settings (`default`). */
  allocator: PeerAllocator;
}

/** How the peer's C allocator treats freed memory (`peers/pytorch/allocator.py`). */
export type PeerAllocator = 'keep' | 'default';

/** A running peer process at one thread count, taking one request at a time. */
export interface PeerSession {
  readonly threads: number;
  readonly ready: PeerReady;
  /** False once the process has ended or broke the protocol. */
  readonly alive: boolean;
  /** Runs a request; `onProgress` gets each label the peer announces. Resolves with its raw result. */
  run(request: Omit<PeerRequest, 'type' | 'id'>, onProgress: (label: string) => void): Promise<unknown>;
  close(): Promise<void>;
}

/** Keeps the end of the peer's stderr for error messages. */
function tail(text: string, max = 2000): string {
  return text.length <= max ? text : `...${text.slice(-max)}`;
}

/**
 * Starts `peers/pytorch/peer.py` with `python` at `threads` threads (torch.set_num_threads, and
 * OpenMP's and OpenBLAS's own thread counts through their environment variables) and waits for it
 * to say it is ready.
 */
export async function openPeerSession(
  python: string,
  threads: number,
  allocator: PeerAllocator = 'keep',
): Promise<PeerSession> {
  const n = String(threads);
  const child: ChildProcessWithoutNullStreams = spawn(
    python,
    [`${PEER_DIR}peer.py`, '--threads', n, '--allocator', allocator],
    {
      cwd: PEER_DIR,
      env: { ...process.env, ...PYTHON_ENV, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = tail(stderr + chunk, 20_000);
  });

  type Waiter = { resolve: (m: PeerMessage) => void; reject: (e: Error) => void };
  let waiter: Waiter | undefined;
  let ended: Error | undefined;
  const fail = (e: Error) => {
    ended ??= e;
    const w = waiter;
    waiter = undefined;
    w?.reject(ended);
  };
  const queue: PeerMessage[] = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let message: PeerMessage;
    try {
      message = parsePeerMessage(line);
    } catch (e) {
      fail(e as Error);
      child.kill();
      return;
    }
    if (waiter === undefined) queue.push(message);
    else {
      const w = waiter;
      waiter = undefined;
      w.resolve(message);
    }
  });
  child.on('error', (e) => fail(new PeerError(`the peer (${python}) could not start: ${e.message}`)));
  child.on('exit', (code, signal) => {
    const why = stderr.trim() === '' ? '' : `:\n${tail(stderr.trim())}`;
    fail(new PeerError(`the peer (${threads} thread(s)) exited (${code ?? signal})${why}`));
  });
  const next = (): Promise<PeerMessage> => {
    const queued = queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (ended !== undefined) return Promise.reject(ended);
    return new Promise((resolve, reject) => {
      waiter = { resolve, reject };
    });
  };

  const first = await next();
  if (first.type !== 'ready') {
    child.kill();
    throw new PeerError(`the peer's first message was '${first.type}', expected 'ready'`);
  }
  let nextId = 1;
  return {
    threads,
    ready: { torch: first.torch, python: first.python, threads: first.threads, allocator: first.allocator },
    get alive() {
      return ended === undefined;
    },
    async run(request, onProgress) {
      const id = nextId++;
      child.stdin.write(`${JSON.stringify({ type: 'run', id, ...request })}\n`);
      for (;;) {
        const m = await next();
        if (m.type === 'ready' || m.id !== id) {
          throw new PeerError(`the peer answered out of turn: ${JSON.stringify(m).slice(0, 200)}`);
        }
        if (m.type === 'progress') onProgress(m.label);
        else if (m.type === 'result') return m.result;
        else throw new PeerError(`the peer failed on ${request.workload} (${request.arch.id}): ${m.message}`);
      }
    },
    close() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.stdin.end();
      });
    },
  };
}
