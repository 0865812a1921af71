import type { MachineInfo, PeerRun } from '../types.js';

/** Formats a number for a table: about three significant digits, thousands separated. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return '0';
  return value.toPrecision(3);
}

/** Formats a figure's value in its unit (shares as percentages, nats to 0.001: NLLs are compared at 0.01). */
export function formatValue(value: number, unit: string): string {
  if (unit === 'share') return `${(value * 100).toFixed(1)}%`;
  if (unit === 'nats' && Number.isFinite(value)) return value.toFixed(3);
  return formatNumber(value);
}

/** Bytes as B, kB, MB or GB (powers of 1024). */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  let v = Math.abs(bytes);
  for (const unit of ['B', 'kB', 'MB']) {
    if (v < 1024) return `${sign}${unit === 'B' ? v.toFixed(0) : v.toFixed(1)} ${unit}`;
    v /= 1024;
  }
  return `${sign}${v.toFixed(2)} GB`;
}

/** A ratio as `1.23x`. */
export function formatRatio(ratio: number | null): string {
  return ratio === null || !Number.isFinite(ratio) ? '-' : `${ratio.toFixed(2)}x`;
}

/**
 * Renders rows as a plain-text table with a header rule. Columns after the first are
 * right-aligned unless `leftColumns` says otherwise.
 */
export function renderTable(header: string[], rows: string[][], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A peer run's column name: `pytorch 1t`. */
export function peerName(run: Pick<PeerRun, 'peer' | 'threads'>): string {
  return `${run.peer} ${run.threads}t`;
}

/** Who the peer is, for sentences: `PyTorch`, or the stand-in (whose figures are made up). */
export function peerLabel(run: Pick<PeerRun, 'peer'>): string {
  return run.peer === 'pytorch' ? 'PyTorch' : 'the stand-in';
}

/** The processor of a run: its name, and on Linux its family, model and vector extensions. */
export function processorName(machine: Pick<MachineInfo, 'cpuModel' | 'cpuId'>): string {
  return machine.cpuId === undefined ? machine.cpuModel : `${machine.cpuModel} (${machine.cpuId})`;
}
