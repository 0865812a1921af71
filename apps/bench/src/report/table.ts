import type { BackendResult, BenchReport, Figure } from '../types.js';
import { formatBytes, formatNumber, formatRatio, formatValue, renderTable } from './format.js';

function describeBackend(b: BackendResult): string {
  const r = b.reported;
  const parts: string[] = [];
  if (r.wasm !== undefined) {
    parts.push(`SIMD ${r.wasm.simd ? 'on' : 'off'}`);
    parts.push(`threads ${r.wasm.threads ? `on (${r.wasm.threadsCount})` : 'off'}`);
  }
  if (r.webgl !== undefined) {
    parts.push(`WebGL ${r.webgl.version}`);
    parts.push(`float32 render targets ${r.webgl.float32RenderTargets ? 'yes' : 'no'}`);
    if (r.webgl.renderer !== undefined) parts.push(`renderer "${r.webgl.renderer}"`);
  }
  parts.push(`tfjs PROD ${r.prod ? 'on' : 'off'}`);
  if (b.runtime.crossOriginIsolated !== undefined)
    parts.push(`cross-origin isolated ${b.runtime.crossOriginIsolated}`);
  const where = b.runtime.runtime === 'node' ? `Node ${b.runtime.version}` : 'headless Chromium';
  return `  ${b.backend.padEnd(12)} ${where}, ${b.runtime.cores} cores: ${parts.join(', ')}; ${b.wallS.toFixed(1)} s`;
}

function cell(f: Figure | undefined): string {
  if (f === undefined) return '-';
  const v = formatValue(f.value, f.unit);
  if (f.spread === undefined || f.spread.n < 2) return v;
  return `${v} ±${Math.round((f.spread.relSpread / 2) * 100)}%`;
}

/** The readable report: machine, backends, one table per workload, memory, goals, analysis. */
export function renderReport(report: BenchReport): string {
  const out: string[] = [];
  const m = report.machine;
  out.push(
    `Diffeo bench (${report.quick ? 'quick' : 'full'}) ${report.date}`,
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${formatBytes(m.totalMemoryBytes)}, ${m.platform}/${m.arch}, Node ${m.node}` +
      `${m.chromium === undefined ? '' : `, Chromium ${m.chromium}`}, load average ${m.loadAverage.join(' ')}`,
    'Backends:',
    ...report.backends.map(describeBackend),
    '',
  );
  const backends = report.backends;
  const names = [...new Set(backends.flatMap((b) => b.workloads.map((w) => w.name)))];
  for (const name of names) {
    const ws = backends.map((b) => b.workloads.find((w) => w.name === name));
    const first = ws.find((w) => w !== undefined)!;
    const ids: string[] = [];
    const labels = new Map<string, Figure>();
    for (const w of ws) {
      for (const f of w?.figures ?? []) {
        if (!labels.has(f.id)) {
          ids.push(f.id);
          labels.set(f.id, f);
        }
      }
    }
    out.push(`${name}: ${first.description}`);
    const rows = ids.map((id) => {
      const f = labels.get(id)!;
      return [`${f.label} [${f.unit}]`, ...ws.map((w) => cell(w?.figures.find((x) => x.id === id)))];
    });
    for (const [i, w] of ws.entries()) {
      if (w?.error !== undefined) out.push(`  ERROR on ${backends[i]!.backend}: ${w.error}`);
    }
    out.push(renderTable(['', ...backends.map((b) => b.backend)], rows), '');
  }

  out.push('Memory: tensors and bytes grown over each workload (must be 0), peak process memory during it');
  out.push(
    renderTable(
      ['', ...backends.map((b) => b.backend)],
      names.map((name) => [
        name,
        ...backends.map((b) => {
          const w = b.workloads.find((x) => x.name === name);
          if (w === undefined) return '-';
          const mem = w.memory;
          const grown = `${mem.tensorsGrown >= 0 ? '+' : ''}${mem.tensorsGrown} t, ${formatBytes(mem.bytesGrown)}`;
          const peak =
            mem.peakProcessBytes === undefined ? '' : `, peak ${formatBytes(mem.peakProcessBytes)}`;
          return `${grown}${peak}`;
        }),
      ]),
    ),
    '',
  );

  const goalBackends = backends.filter((b) => b.backend === 'wasm' || b.backend === 'browser-wasm');
  if (goalBackends.length > 0) {
    out.push(
      'Goal: PyTorch 1.13 + nflows on this machine class (issue #5); the targets are for wasm in Node',
    );
    out.push(
      renderTable(
        ['', 'unit', 'PyTorch', 'target', ...goalBackends.flatMap((b) => [b.backend, 'ratio'])],
        report.goals
          .filter((g) => g.backend === goalBackends[0]!.backend)
          .map((g) => [
            g.what,
            g.unit,
            formatValue(g.reference, g.unit),
            `${g.better === 'higher' ? '>=' : '<='} ${formatValue(g.target, g.unit)}`,
            ...goalBackends.flatMap((b) => {
              const row = report.goals.find((x) => x.backend === b.backend && x.what === g.what);
              if (row?.diffeo === null || row === undefined) return ['-', '-'];
              const mark = row.met === null ? '' : row.met ? ' met' : ' not met';
              return [formatValue(row.diffeo, g.unit), `${formatRatio(row.ratio)}${mark}`];
            }),
          ]),
      ),
    );
    out.push(
      '  ratio: Diffeo against PyTorch, above 1x is better than PyTorch' +
        (report.quick ? ' (quick run: sizes differ, for orientation only)' : ''),
      '',
    );
  }

  const kernelLines = backends.flatMap((b) => {
    const w = b.workloads.find((x) => x.name === 'kernel-profile');
    const tables = (w?.details?.topKernels ?? {}) as Record<
      string,
      { kernel: string; count: number; ms: number }[]
    >;
    if (w?.details?.kernelTimer !== true) return [];
    return Object.entries(tables).map(([key, rows]) => {
      const total = rows.reduce((sum, r) => sum + r.ms, 0);
      const top = rows
        .slice(0, 6)
        .map((r) => `${r.kernel} ${((r.ms / total) * 100).toFixed(0)}% (${r.count}x)`)
        .join(', ');
      return `  ${b.backend.padEnd(12)} ${key.padEnd(14)} ${top}`;
    });
  });
  if (kernelLines.length > 0) {
    out.push('Top kernels of one training step: share of kernel time (calls per step)', ...kernelLines, '');
  }

  if (report.analysis.length > 0) {
    out.push('Where the time goes: training step t(b) = fixed + b * perSample, from the two batches');
    out.push(
      renderTable(
        [
          'backend',
          'arch',
          'ms/step small',
          'ms/step large',
          'per-sample small/large',
          'fixed ms',
          'fixed share small',
          'fixed share large',
        ],
        report.analysis.map((a) => [
          a.backend,
          a.arch,
          `${formatNumber(a.msPerStepSmall)} (b${a.smallBatch})`,
          `${formatNumber(a.msPerStepLarge)} (b${a.largeBatch})`,
          `${a.perSampleRatio.toFixed(2)}x`,
          formatNumber(a.fixedMs),
          `${(a.fixedShareSmall * 100).toFixed(0)}%`,
          `${(a.fixedShareLarge * 100).toFixed(0)}%`,
        ]),
        2,
      ),
      '',
    );
  }
  return out.join('\n');
}
