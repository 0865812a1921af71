import type { ProgressEvent } from '../harness.js';
import { type Arch, selectArchs } from '../models.js';
import type { ProgressTick } from '../progress.js';
import { peerLabel } from '../report/format.js';
import { planOf, type RunRequest } from '../run-backend.js';
import { type Settings, settingsFor } from '../settings.js';
import type { BackendResult, BenchReport, PeerRun, PeerWorkloadResult } from '../types.js';
import { selectWorkloads } from '../workloads/index.js';
import { PeerDataFiles } from './data-files.js';
import {
  addPart,
  type Item,
  interleave,
  interleavedItems,
  itemName,
  mergeBackendResults,
  mergePeerWorkloads,
  type Side,
} from './interleave.js';
import type { PeerLauncher } from './launcher.js';
import { isPeerWorkload, type PeerDataFile, type PeerRequest, type PeerWorkloadName } from './protocol.js';
import { openPeerSession, type PeerAllocator, type PeerSession } from './session.js';
import { PEER_WORKLOADS, readPeerResult } from './workloads.js';

/** How to run a side-by-side: our backends' requests, how to run one, and how to start the peer. */
export interface PeerRunOptions {
  /** One request per backend of ours, with the run's selection. */
  requests: readonly RunRequest[];
  /** Runs one (narrowed) request on its backend. */
  runOurs(request: RunRequest, onProgress: (event: ProgressEvent) => void): Promise<BackendResult>;
  /** The peer: PyTorch with the interpreter `findPython` chose, or the stand-in. */
  peer: PeerLauncher;
  /** The peer's thread counts, one peer process each. */
  threads: readonly number[];
  /** How the peer's allocator treats freed memory (default `keep`). */
  allocator?: PeerAllocator;
  onProgress(tick: ProgressTick): void;
  /** A side failed on an item; the run goes on. */
  onFailure(side: string, message: string): void;
}

/** A request narrowed to one item: its workload, and its architecture when it has one. */
export function requestFor(request: RunRequest, item: Item): RunRequest {
  return {
    ...request,
    workloads: [item.workload.name],
    ...(item.arch === undefined ? {} : { archs: [item.arch.id] }),
    ...(item.part === undefined ? {} : { part: item.part }),
  };
}

function runSettings(request: RunRequest): Settings {
  return settingsFor(request.quick, request);
}

function itemsOf(request: RunRequest): Item[] {
  return interleavedItems(
    selectWorkloads(request.workloads),
    selectArchs(request.archs),
    runSettings(request),
  );
}

/** The progress ticks of a side-by-side: ours per backend and item, the peer's per thread count and item. */
export function peerRunPlanLength(requests: readonly RunRequest[], threads: readonly number[]): number {
  const first = requests[0];
  if (first === undefined) return 0;
  const settings = runSettings(first);
  return itemsOf(first).reduce((sum, item) => {
    const ours = requests.reduce((s, r) => s + planOf(requestFor(r, item)).length, 0);
    const name = item.workload.name;
    const peer = isPeerWorkload(name)
      ? PEER_WORKLOADS[name]
          .archs(item.arch, item.part)
          .reduce((s, arch) => s + PEER_WORKLOADS[name].plan(arch, settings, item.part).length, 0) *
        threads.length
      : 0;
    return sum + ours + peer;
  }, 0);
}

/** The peer's request for one of its workloads on `arch`, with the data files it reads. */
export async function peerRequest(
  workload: PeerWorkloadName,
  arch: Arch,
  settings: Settings,
  files: PeerDataFiles,
  part?: string,
): Promise<Omit<PeerRequest, 'type' | 'id'>> {
  await arch.load?.();
  const data: Record<string, PeerDataFile> = {};
  for (const [key, make] of Object.entries(PEER_WORKLOADS[workload].data(arch, settings))) {
    data[key] = await files.file(`${arch.id}-${key}`, make);
  }
  const extra = PEER_WORKLOADS[workload].extra?.(settings, part) ?? {};
  return { workload, arch: { id: arch.id, spec: arch.peer }, settings, data, ...extra };
}

function ourSide(request: RunRequest, options: PeerRunOptions, parts: BackendResult[]): Side {
  return {
    name: request.backend,
    async run(item) {
      try {
        parts.push(await options.runOurs(requestFor(request, item), options.onProgress));
      } catch (e) {
        options.onFailure(request.backend, `${itemName(item)}: ${(e as Error).message}`);
      }
    },
  };
}

function peerSide(
  session: PeerSession,
  run: PeerRun,
  settings: Settings,
  files: PeerDataFiles,
  options: PeerRunOptions,
): Side {
  const name = `${run.peer} ${run.threads}t`;
  return {
    name,
    async run(item) {
      const workload = item.workload.name;
      if (!isPeerWorkload(workload)) return;
      for (const arch of PEER_WORKLOADS[workload].archs(item.arch, item.part)) {
        const start = performance.now();
        let part: PeerWorkloadResult;
        try {
          const request = await peerRequest(workload, arch, settings, files, item.part);
          const raw = await session.run(request, (label) =>
            options.onProgress({ backend: name, workload, label }),
          );
          part = {
            name: workload,
            wallS: (performance.now() - start) / 1000,
            ...readPeerResult(workload, arch, settings, raw),
          };
        } catch (e) {
          const message = (e as Error).message;
          part = { name: workload, wallS: (performance.now() - start) / 1000, figures: [], error: message };
          options.onFailure(name, `${workload} ${arch.id}: ${message}`);
          if (!session.alive) run.error ??= message;
        }
        addPart(run.workloads, part, mergePeerWorkloads);
      }
    },
  };
}

/** The record of one peer session, to be filled with its workloads. */
function peerRun(session: PeerSession, launcher: PeerLauncher): PeerRun {
  const r = session.ready;
  const common = { threads: session.threads, workloads: [] };
  return r.peer === 'pytorch'
    ? {
        ...common,
        peer: 'pytorch',
        version: { torch: r.torch, python: r.python, blas: launcher.blas, allocator: r.allocator },
      }
    : { ...common, peer: 'stand-in', version: { node: r.node, rowSeconds: r.rowSeconds } };
}

/**
 * Runs our backends and the peer (one process per thread count) item by item, interleaved, and
 * returns our results merged per backend and the peer's runs.
 */
export async function runWithPeer(
  options: PeerRunOptions,
): Promise<{ backends: BackendResult[]; peers: PeerRun[] }> {
  const first = options.requests[0];
  if (first === undefined) return { backends: [], peers: [] };
  const settings = runSettings(first);
  const files = new PeerDataFiles();
  const sessions: PeerSession[] = [];
  try {
    for (const threads of options.threads)
      sessions.push(await openPeerSession(options.peer, threads, options.allocator));
    const parts = options.requests.map(() => [] as BackendResult[]);
    const peers = sessions.map((s) => peerRun(s, options.peer));
    const sides = [
      ...options.requests.map((r, i) => ourSide(r, options, parts[i]!)),
      ...sessions.map((s, i) => peerSide(s, peers[i]!, settings, files, options)),
    ];
    await interleave(itemsOf(first), sides);
    const backends = parts.filter((p) => p.length > 0).map(mergeBackendResults);
    return { backends, peers };
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
    await files.dispose();
  }
}

/**
 * Problems of a side-by-side: a peer figure whose architecture has a different parameter count
 * than ours (the comparison would not be of the same model).
 */
export function parameterMismatches(report: Pick<BenchReport, 'backends' | 'peers'>): string[] {
  const counts = (details: Record<string, unknown> | undefined) =>
    (details?.parameters ?? {}) as Record<string, number>;
  const problems: string[] = [];
  for (const run of report.peers) {
    for (const w of run.workloads) {
      for (const [arch, peerCount] of Object.entries(counts(w.details))) {
        for (const b of report.backends) {
          const ours = counts(b.workloads.find((x) => x.name === w.name)?.details)[arch];
          if (ours !== undefined && ours !== peerCount) {
            problems.push(
              `${w.name} ${arch}: ${peerLabel(run)}'s model has ${peerCount} parameters, ${b.backend}'s ${ours}: not the same architecture`,
            );
          }
        }
      }
    }
  }
  return problems;
}
