import type { Arch } from '../models.js';
import type { Settings } from '../settings.js';
import type { BackendResult, PeerWorkloadResult, WorkloadMemory, WorkloadResult } from '../types.js';
import type { Workload } from '../workload.js';
import { WORKLOADS } from '../workloads/index.js';

/**
 * One piece of an interleaved run: a workload, for one architecture when it measures them in turn,
 * or one of its parts (a high-dim architecture, a time-to-quality seed).
 */
export interface Item {
  workload: Workload;
  arch?: Arch;
  part?: string;
}

/** An item's name for progress and errors: `train-step nsf`, `high-dim maf-784`, `time-to-quality`. */
export const itemName = (item: Item): string =>
  [item.workload.name, item.arch?.id, item.part].filter((s) => s !== undefined).join(' ');

/**
 * The items of a run in order: each workload once per selected architecture when it measures them
 * in turn (`perArch`), once per part when it has parts, else once.
 */
export function interleavedItems(
  workloads: readonly Workload[],
  archs: readonly Arch[],
  settings: Settings,
): Item[] {
  return workloads.flatMap((workload): Item[] => {
    if (workload.perArch) return archs.map((arch) => ({ workload, arch }));
    if (workload.parts !== undefined) return workload.parts(settings).map((part) => ({ workload, part }));
    return [{ workload }];
  });
}

/** One side of the comparison: a backend of ours, or the peer at one thread count. */
export interface Side {
  name: string;
  run(item: Item): Promise<void>;
}

/**
 * Runs every item on every side before the next item: ours, peer, ours, peer, ..., so both sides
 * of each comparison see the same machine state (load from elsewhere, heat, clock).
 */
export async function interleave(items: readonly Item[], sides: readonly Side[]): Promise<void> {
  for (const item of items) {
    for (const side of sides) await side.run(item);
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Details of two parts of a workload (`combine` aside): later keys win, objects (parameters per arch, kernel tables) merge. */
export function mergeDetails(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const old = out[key];
    out[key] = isPlainObject(old) && isPlainObject(value) ? { ...old, ...value } : value;
  }
  return out;
}

const maxOf = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

function mergeMemory(a: WorkloadMemory, b: WorkloadMemory): WorkloadMemory {
  const out: WorkloadMemory = {
    before: a.before,
    after: b.after,
    tensorsGrown: a.tensorsGrown + b.tensorsGrown,
    bytesGrown: a.bytesGrown + b.bytesGrown,
  };
  const peak = maxOf(a.peakProcessBytes, b.peakProcessBytes);
  if (peak !== undefined) out.peakProcessBytes = peak;
  const rss = maxOf(a.maxRssBytes, b.maxRssBytes);
  if (rss !== undefined) out.maxRssBytes = rss;
  const heap = maxOf(a.wasmHeapBytes, b.wasmHeapBytes);
  if (heap !== undefined) out.wasmHeapBytes = heap;
  const gpu = b.gpuBytes ?? a.gpuBytes;
  if (gpu !== undefined) out.gpuBytes = gpu;
  return out;
}

function mergeCommon<T extends PeerWorkloadResult>(a: T, b: T): T {
  const combine = WORKLOADS.find((w) => w.name === a.name)?.combine;
  const combined = combine?.(a, b) ?? {
    figures: [...a.figures, ...b.figures],
    details: mergeDetails(a.details, b.details),
  };
  const details = combined.details;
  const errors = [a.error, b.error].filter((e) => e !== undefined);
  const out: T = { ...a, wallS: a.wallS + b.wallS, figures: combined.figures };
  delete out.details;
  delete out.error;
  if (details !== undefined) out.details = details;
  if (errors.length > 0) out.error = errors.join('; ');
  return out;
}

/** Adds a part of a workload to a list of workload results, merging it into the one of its name. */
export function addPart<T extends PeerWorkloadResult>(list: T[], part: T, merge: (a: T, b: T) => T): void {
  const i = list.findIndex((w) => w.name === part.name);
  if (i < 0) list.push(part);
  else list[i] = merge(list[i]!, part);
}

/** Two parts of one of our workloads as one: figures in order, memory growth summed, peaks the larger. */
export function mergeWorkloadResults(a: WorkloadResult, b: WorkloadResult): WorkloadResult {
  return { ...mergeCommon(a, b), memory: mergeMemory(a.memory, b.memory) };
}

/** Two parts of one of the peer's workloads as one. */
export const mergePeerWorkloads = (a: PeerWorkloadResult, b: PeerWorkloadResult) => mergeCommon(a, b);

/** One backend's results of several items, in the order they ran, as one result. */
export function mergeBackendResults(parts: readonly BackendResult[]): BackendResult {
  if (parts.length === 0) throw new Error('mergeBackendResults: expected at least one result, got none');
  const workloads: WorkloadResult[] = [];
  for (const part of parts) for (const w of part.workloads) addPart(workloads, w, mergeWorkloadResults);
  return { ...parts[0]!, workloads, wallS: parts.reduce((sum, p) => sum + p.wallS, 0) };
}
