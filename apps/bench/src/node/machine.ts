import os from 'node:os';
import type { MachineInfo, RuntimeInfo } from '../types.js';

/** The machine the bench runs on, as Node sees it. */
export function machineInfo(chromium?: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
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
