import type { BenchReport, Better, Figure } from '../types.js';
import { formatNumber, formatRatio, peerName, processorName, renderTable } from './format.js';

/** One figure of the current run against the same figure of a previous run. */
export interface Comparison {
  backend: string;
  id: string;
  label: string;
  unit: string;
  better: Better;
  previous: number;
  current: number;
  /** current / previous. */
  ratio: number;
  /** Whether the change is larger than the noise both runs saw (their relative spreads). */
  verdict: 'better' | 'worse' | 'same' | 'changed';
}

/** Every figure of a run, memory peaks and the peer's figures included, keyed by backend and id. */
function figuresOf(report: BenchReport): Map<string, { backend: string; figure: Figure }> {
  const map = new Map<string, { backend: string; figure: Figure }>();
  // Reports of format 1 have no peers.
  for (const run of report.peers ?? []) {
    const backend = peerName(run);
    for (const w of run.workloads) {
      for (const f of w.figures) map.set(`${backend} ${f.id}`, { backend, figure: f });
    }
  }
  for (const b of report.backends) {
    for (const w of b.workloads) {
      for (const f of w.figures) map.set(`${b.backend} ${f.id}`, { backend: b.backend, figure: f });
      if (w.memory.peakProcessBytes !== undefined) {
        const id = `memory/${w.name}/peak-process-bytes`;
        map.set(`${b.backend} ${id}`, {
          backend: b.backend,
          figure: {
            id,
            label: `peak process memory, ${w.name}`,
            unit: 'bytes',
            value: w.memory.peakProcessBytes,
            better: 'lower',
          },
        });
      }
    }
  }
  return map;
}

/**
 * Matches the figures of two runs by backend and id and gives the ratio of each. A change counts
 * as better or worse only when it is larger than half the spread either run saw (at least 5%).
 */
export function compareReports(previous: BenchReport, current: BenchReport): Comparison[] {
  const before = figuresOf(previous);
  const out: Comparison[] = [];
  for (const [key, { backend, figure }] of figuresOf(current)) {
    const old = before.get(key)?.figure;
    if (old === undefined || old.value === 0) continue;
    const ratio = figure.value / old.value;
    const noise = Math.max(0.05, (figure.spread?.relSpread ?? 0) / 2, (old.spread?.relSpread ?? 0) / 2);
    let verdict: Comparison['verdict'] = 'same';
    if (Math.abs(ratio - 1) > noise) {
      if (figure.better === 'none') verdict = 'changed';
      else verdict = ratio > 1 === (figure.better === 'higher') ? 'better' : 'worse';
    }
    out.push({
      backend,
      id: figure.id,
      label: figure.label,
      unit: figure.unit,
      better: figure.better,
      previous: old.value,
      current: figure.value,
      ratio,
      verdict,
    });
  }
  return out;
}

/** The comparison as a table, with a warning when the two runs were not the same kind. */
export function renderComparison(previous: BenchReport, current: BenchReport, rows: Comparison[]): string {
  const out: string[] = [`Compared with the run of ${previous.date} (${previous.quick ? 'quick' : 'full'})`];
  if (previous.quick !== current.quick) {
    out.push('  warning: one run is quick and the other full; the sizes differ, so do the figures');
  }
  const machine = (m: BenchReport['machine']) => `${processorName(m)}, ${m.cores} cores`;
  // A run from before cpuId was recorded is judged on the name and cores alone.
  const sameId =
    previous.machine.cpuId === undefined ||
    current.machine.cpuId === undefined ||
    previous.machine.cpuId === current.machine.cpuId;
  if (
    previous.machine.cpuModel !== current.machine.cpuModel ||
    previous.machine.cores !== current.machine.cores ||
    !sameId
  ) {
    out.push(`  warning: different machines (${machine(previous.machine)} -> ${machine(current.machine)})`);
  }
  if (rows.length === 0) {
    out.push('  no figure in common');
    return out.join('\n');
  }
  out.push(
    renderTable(
      ['backend', 'figure', 'unit', 'previous', 'current', 'ratio', ''],
      rows.map((r) => [
        r.backend,
        r.id,
        r.unit,
        formatNumber(r.previous),
        formatNumber(r.current),
        formatRatio(r.ratio),
        r.verdict === 'same' ? '' : r.verdict,
      ]),
      3,
    ),
  );
  const count = (v: Comparison['verdict']) => rows.filter((r) => r.verdict === v).length;
  out.push(
    `  ${rows.length} figures: ${count('better')} better, ${count('worse')} worse, ${count('same')} within noise`,
  );
  return out.join('\n');
}
