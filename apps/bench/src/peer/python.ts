import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DiffeoError } from '@diffeo/core';
import { z } from 'zod';

/** The peer cannot run: no Python, no PyTorch, or a PyTorch whose speed would not be its own. */
export class PeerError extends DiffeoError {
  override name = 'PeerError';
}

/** The folder of the PyTorch peer's scripts (`apps/bench/peers/pytorch`), from `src/` or `dist/`. */
export const PEER_DIR = fileURLToPath(new URL('../../peers/pytorch/', import.meta.url));

/** The peer's environment: no `__pycache__` folders written into the source tree. */
export const PYTHON_ENV = { PYTHONDONTWRITEBYTECODE: '1' } as const;

/** The one command that installs what the peer needs on Debian (as root). */
export const INSTALL_COMMAND = 'apt-get install -y python3-torch libopenblas0-openmp';

const INSTALL_HINT =
  `Install Debian's PyTorch and OpenBLAS (as root): ${INSTALL_COMMAND}\n` +
  "(OpenBLAS so that PyTorch's matrix products do not run on the reference BLAS, several times slower.) " +
  'Or pass --python PATH to an interpreter that imports torch.';

const probeSchema = z.object({
  python: z.string(),
  torch: z.string().nullable(),
  blas: z.array(z.string()),
  error: z.string().optional(),
});

/** What `peers/pytorch/probe.py` found with one interpreter. */
export type Probe = z.infer<typeof probeSchema>;

/** An interpreter's probe, or why it could not be run. */
export type ProbeOutcome = { python: string; probe: Probe } | { python: string; failure: string };

/** Runs the probe script with `python`. */
export function probePython(python: string): ProbeOutcome {
  const r = spawnSync(python, [`${PEER_DIR}probe.py`], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...PYTHON_ENV },
  });
  if (r.error !== undefined) return { python, failure: r.error.message };
  if (r.status !== 0)
    return { python, failure: `exit ${r.status}: ${r.stderr.trim().split('\n').at(-1) ?? ''}` };
  try {
    return { python, probe: probeSchema.parse(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '')) };
  } catch (e) {
    return { python, failure: `unreadable probe output: ${(e as Error).message}` };
  }
}

/**
 * Debian's reference BLAS (the `libblas3` alternative, what `python3-torch` pulls in when no other
 * BLAS is installed): PyTorch on it runs its matrix products several times slower than on OpenBLAS.
 */
export function isReferenceBlas(blas: readonly string[]): boolean {
  return (
    blas.some((p) => /\/blas\/libblas\.so/.test(p)) && !blas.some((p) => /openblas|mkl|blis|atlas/i.test(p))
  );
}

/**
 * The first interpreter whose probe imports torch on a BLAS other than the reference one, or a
 * {@link PeerError} that says what was tried and how to install what is missing.
 */
export function choosePython(outcomes: readonly ProbeOutcome[]): { python: string; probe: Probe } {
  const tried: string[] = [];
  for (const o of outcomes) {
    if ('failure' in o) {
      tried.push(`${o.python}: cannot run (${o.failure})`);
    } else if (o.probe.torch === null) {
      tried.push(
        `${o.python}: Python ${o.probe.python} without torch (${o.probe.error ?? 'not importable'})`,
      );
    } else if (isReferenceBlas(o.probe.blas)) {
      tried.push(`${o.python}: PyTorch ${o.probe.torch} on the reference BLAS (${o.probe.blas.join(', ')})`);
    } else {
      return { python: o.python, probe: o.probe };
    }
  }
  throw new PeerError(`The PyTorch peer cannot run:\n  ${tried.join('\n  ')}\n${INSTALL_HINT}`);
}

/** The interpreters tried by default: `python3` on the PATH, then Debian's. */
export const DEFAULT_PYTHONS = ['python3', '/usr/bin/python3'] as const;

/** Finds an interpreter for the peer (`python` if given, else the defaults in turn). */
export function findPython(python?: string): { python: string; probe: Probe } {
  const candidates = python === undefined ? [...DEFAULT_PYTHONS] : [python];
  const outcomes: ProbeOutcome[] = [];
  for (const c of candidates) {
    const outcome = probePython(c);
    outcomes.push(outcome);
    if ('probe' in outcome && outcome.probe.torch !== null && !isReferenceBlas(outcome.probe.blas)) break;
  }
  return choosePython(outcomes);
}
