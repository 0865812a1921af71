import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { PeerLauncher } from './launcher.js';
import { type PeerMessage, type PeerRequest, parsePeerMessage } from './protocol.js';
import { PeerError } from './python.js';

/** What the peer said when it started: PyTorch's and Python's versions, or that it is the stand-in. */
export type PeerReady = (
  | { peer: 'pytorch'; torch: string; python: string }
  | { peer: 'stand-in'; node: string; rowSeconds: number }
) & {
  threads: number;
  /** Whether glibc keeps freed memory for reuse (`keep`) or runs with its own settings (`default`). */
  allocator: PeerAllocator;
};

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

/** Starts the peer `launcher` says at `threads` threads and waits for it to say it is ready. */
export async function openPeerSession(
  launcher: PeerLauncher,
  threads: number,
  allocator: PeerAllocator = 'keep',
): Promise<PeerSession> {
  const child: ChildProcessWithoutNullStreams = spawn(launcher.command, launcher.args(threads, allocator), {
    ...(launcher.cwd === undefined ? {} : { cwd: launcher.cwd }),
    env: { ...process.env, ...launcher.env(threads) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
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
  let broken = false;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    // Nothing after a broken line counts, even lines that came in the same chunk.
    if (line.trim() === '' || broken) return;
    let message: PeerMessage;
    try {
      message = parsePeerMessage(line);
    } catch (e) {
      broken = true;
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
  child.on('error', (e) =>
    fail(new PeerError(`the peer (${launcher.command}) could not start: ${e.message}`)),
  );
  // A peer that died mid-request closes its stdin: the exit says why, the broken pipe is no news.
  child.stdin.on('error', () => {});
  // 'close', not 'exit': every line the peer wrote before it ended has been read by then.
  child.on('close', (code, signal) => {
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
  const { threads: readyThreads, allocator: readyAllocator } = first;
  const ready: PeerReady =
    'peer' in first
      ? {
          peer: 'stand-in',
          node: first.node,
          rowSeconds: first.rowSeconds,
          threads: readyThreads,
          allocator: readyAllocator,
        }
      : {
          peer: 'pytorch',
          torch: first.torch,
          python: first.python,
          threads: readyThreads,
          allocator: readyAllocator,
        };
  if (ready.peer !== launcher.name) {
    child.kill();
    throw new PeerError(`the ${launcher.name} peer said it is the ${ready.peer} peer`);
  }
  let nextId = 1;
  return {
    threads,
    ready,
    get alive() {
      return ended === undefined;
    },
    async run(request, onProgress) {
      if (ended !== undefined) throw ended;
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
