import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { MachineInfo, RuntimeInfo } from '../types.js';

/** The vector extensions worth naming: what products and their peers can use. */
const VECTOR_FLAGS = ['avx', 'avx2', 'fma', 'avx512f'] as const;

/**
 * {@link MachineInfo.cpuId} from the text of `/proc/cpuinfo` (its first processor), or undefined
 * when the text lacks the fields.
 */
export function cpuIdFrom(cpuinfo: string): string | undefined {
  const first = cpuinfo.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string) => first.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
  const vendor = field('vendor_id');
  const family = field('cpu family');
  const model = field('model');
  if (vendor === undefined || family === undefined || model === undefined) return undefined;
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const vector = VECTOR_FLAGS.filter((f) => flags.has(f));
  return `${vendor} family ${family} model ${model}: ${vector.length === 0 ? 'no AVX' : vector.join(' ')}`;
}

function cpuId(): string | undefined {
  try {
    return cpuIdFrom(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return undefined; // not Linux
  }
}

/** The machine the bench runs on, as Node sees it. */
export function machineInfo(chromium?: string): MachineInfo {
  const cpus = os.cpus();
  const id = cpuId();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    ...(id === undefined ? {} : { cpuId: id }),
    cores: cpus.length,
    totalMemoryBytes: os.totalmem(),
    platform: os.platform(),
    arch: os.arch(),
    node: process.version,
    ...(chromium === undefined ? {} : { chromium }),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** The Node runtime a backend runs in. */
export function nodeRuntime(): RuntimeInfo {
  const cpus = os.cpus();
  return {
    runtime: 'node',
    version: process.version,
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: os.totalmem(),
  };
}
