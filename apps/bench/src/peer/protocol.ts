import { z } from 'zod';
import type { PeerArchSpec } from '../models.js';
import type { Settings } from '../settings.js';
import { PeerError } from './python.js';

/** A data file the peer reads: raw little-endian float32, `rows` x `cols`, row-major. */
export interface PeerDataFile {
  path: string;
  rows: number;
  cols: number;
}

/** What the bench asks the peer to run (one JSON line on its stdin). */
export interface PeerRequest {
  type: 'run';
  id: number;
  workload: string;
  arch: { id: string; spec: PeerArchSpec };
  settings: Settings;
  data: Record<string, PeerDataFile>;
  /** time-to-quality: the seeds to train (default: 0 to `settings.timeToQuality.seeds` - 1). */
  seeds?: number[];
}

const seconds = z.array(z.number().positive()).min(1);
// JSON has no NaN: the peer sends null for a non-finite number (a diverged training's NLL).
const maybeNumber = z
  .number()
  .nullable()
  .transform((v) => v ?? Number.NaN);

/** What the peer measured, per workload. */
export const peerResultSchemas = {
  'train-step': z.object({
    parameters: z.number().int().positive(),
    cases: z.array(z.object({ batch: z.number().int().positive(), seconds })).min(1),
  }),
  'log-prob': z.object({ parameters: z.number().int().positive(), seconds }),
  sample: z.object({ parameters: z.number().int().positive(), seconds }),
  'high-dim': z.object({
    parameters: z.number().int().positive(),
    stepSeconds: seconds,
    logProbSeconds: seconds,
  }),
  'time-to-quality': z.object({
    parameters: z.number().int().positive(),
    trainings: z
      .array(
        z.object({
          seed: z.number().int(),
          nll: maybeNumber,
          standardError: maybeNumber,
          wallS: z.number().positive(),
          steps: z.number().int().nonnegative(),
          firstTrainLoss: maybeNumber,
          finalTrainLoss: maybeNumber,
        }),
      )
      .min(1),
  }),
} as const;

/** The workloads the peer has. */
export type PeerWorkloadName = keyof typeof peerResultSchemas;

/** The measurements of one of the peer's workloads. */
export type PeerResult<W extends PeerWorkloadName> = z.output<(typeof peerResultSchemas)[W]>;

const threads = z.number().int().positive();
const allocator = z.enum(['keep', 'default']);

/** The ready messages: the PyTorch peer's (`peers/pytorch/peer.py`) and the stand-in's (`stand-in.ts`). */
const readySchema = z.union([
  z.object({ type: z.literal('ready'), torch: z.string(), python: z.string(), threads, allocator }),
  z.object({
    type: z.literal('ready'),
    peer: z.literal('stand-in'),
    node: z.string(),
    rowSeconds: z.number().positive(),
    threads,
    allocator,
  }),
]);

const messageSchema = z.union([
  readySchema,
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('progress'), id: z.number().int(), label: z.string() }),
    z.object({
      type: z.literal('result'),
      id: z.number().int(),
      result: z.record(z.string(), z.unknown()),
    }),
    z.object({ type: z.literal('error'), id: z.number().int().nullable(), message: z.string() }),
  ]),
]);

/** One line the peer writes. */
export type PeerMessage = z.infer<typeof messageSchema>;

/** Parses one line of the peer's output, failing with a {@link PeerError} that quotes it. */
export function parsePeerMessage(line: string): PeerMessage {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new PeerError(`the peer wrote a line that is not JSON: ${line.slice(0, 200)}`);
  }
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) {
    throw new PeerError(
      `the peer wrote an unexpected message (${parsed.error.issues[0]?.message ?? 'invalid'}): ${line.slice(0, 200)}`,
    );
  }
  return parsed.data;
}

/** A `result` message's measurements for `workload`, checked, or a {@link PeerError}. */
export function parsePeerResult<W extends PeerWorkloadName>(workload: W, result: unknown): PeerResult<W> {
  const parsed = peerResultSchemas[workload].safeParse(result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PeerError(
      `the peer's ${workload} result is malformed: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data as PeerResult<W>;
}

/** Whether the peer has `workload`. */
export function isPeerWorkload(workload: string): workload is PeerWorkloadName {
  return Object.hasOwn(peerResultSchemas, workload);
}
