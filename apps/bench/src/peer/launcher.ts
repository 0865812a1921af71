import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PEER_DIR, PeerError, type Probe, PYTHON_ENV } from './python.js';
import type { PeerAllocator } from './session.js';

/** The peers the bench can run beside Diffeo. */
export const PEER_NAMES = ['pytorch', 'stand-in'] as const;

/** `pytorch`: plain PyTorch (`peers/pytorch/`); `stand-in`: made-up figures for the bench's own tests. */
export type PeerName = (typeof PEER_NAMES)[number];

/** How to start a peer process at a thread count; it then speaks the protocol of `protocol.ts`. */
export interface PeerLauncher {
  name: PeerName;
  command: string;
  args(threads: number, allocator: PeerAllocator): string[];
  cwd?: string;
  env(threads: number): Record<string, string>;
  /** The BLAS libraries the interpreter's probe saw (the PyTorch peer's report names them). */
  blas: string[];
}

/** The PyTorch peer: `peers/pytorch/peer.py` run by the interpreter `findPython` chose. */
export function pytorchLauncher(found: { python: string; probe: Probe }): PeerLauncher {
  return {
    name: 'pytorch',
    command: found.python,
    args: (threads, allocator) => [
      `${PEER_DIR}peer.py`,
      '--threads',
      String(threads),
      '--allocator',
      allocator,
    ],
    cwd: PEER_DIR,
    env: (threads) => {
      // torch.set_num_threads, and OpenMP's and OpenBLAS's own thread counts.
      const n = String(threads);
      return { ...PYTHON_ENV, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
    },
    blas: found.probe.blas,
  };
}

/** The stand-in peer's script, built from `stand-in.ts` (from `src/` or `dist/`). */
export const STAND_IN_SCRIPT = fileURLToPath(new URL('../../dist/peer/stand-in.js', import.meta.url));

/**
 * What the stand-in does (environment variables, so they reach it through the CLI too):
 * `DIFFEO_STAND_IN_ROW_SECONDS` the seconds it claims per row, `DIFFEO_STAND_IN_FAIL` how it breaks
 * (see `stand-in.ts`).
 */
export interface StandInOptions {
  rowSeconds?: number;
  fail?: string;
}

/** The environment variables of `options`. */
export function standInEnv(options: StandInOptions): Record<string, string> {
  return {
    ...(options.rowSeconds === undefined ? {} : { DIFFEO_STAND_IN_ROW_SECONDS: String(options.rowSeconds) }),
    ...(options.fail === undefined ? {} : { DIFFEO_STAND_IN_FAIL: options.fail }),
  };
}

/** The stand-in peer, run by this Node; without `options` it takes them from the environment. */
export function standInLauncher(options: StandInOptions = {}): PeerLauncher {
  if (!existsSync(STAND_IN_SCRIPT)) {
    throw new PeerError(`the stand-in peer is not built (${STAND_IN_SCRIPT}): run pnpm build in apps/bench`);
  }
  return {
    name: 'stand-in',
    command: process.execPath,
    args: (threads, allocator) => [STAND_IN_SCRIPT, '--threads', String(threads), '--allocator', allocator],
    env: () => standInEnv(options),
    blas: [],
  };
}
