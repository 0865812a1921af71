import type { BackendResult, BenchReport, Figure, GoalRow, PeerRun } from '../types.js';
import {
  formatBytes,
  formatNumber,
  formatRatio,
  formatValue,
  peerLabel,
  peerName,
  processorName,
  renderTable,
} from './format.js';
import { GOALS, threadsOf } from './goals.js';

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

function describePeer(run: PeerRun): string {
  const wallS = run.workloads.reduce((sum, w) => sum + w.wallS, 0);
  const name = peerName(run).padEnd(12);
  if (run.peer === 'stand-in') {
    return (
      `  ${name} STAND-IN, not PyTorch: figures made up from each request (${run.version.rowSeconds} s per row), ` +
      `Node ${run.version.node}; ${wallS.toFixed(1)} s`
    );
  }
  const v = run.version;
  const blas =
    v.blas.length === 0 ? 'BLAS not seen' : `BLAS ${v.blas.map((p) => p.split('/').at(-1)).join(', ')}`;
  const allocator =
    v.allocator === undefined
      ? ''
      : v.allocator === 'keep'
        ? ', malloc keeps freed memory'
        : ", glibc's malloc settings";
  return `  ${name} PyTorch ${v.torch}, Python ${v.python}, ${blas}${allocator}; ${wallS.toFixed(1)} s`;
}

/** What the goal table holds Diffeo against. */
function goalPeer(run: PeerRun): string {
  return run.peer === 'pytorch'
    ? `PyTorch ${run.version.torch}`
    : "the STAND-IN peer (made-up figures for the bench's tests, not PyTorch: no ratio here is a comparison)";
}

/** A goal's target as the table shows it. */
function formatTarget(row: Pick<GoalRow, 'kind' | 'target'>): string {
  return row.kind === 'difference' ? `<= +${row.target.toFixed(3)}` : `>= ${formatRatio(row.target)}`;
}

/** A ratio (`1.23x`) or a difference in nats (`+0.004`), as the goal's kind says. */
function formatVersus(kind: GoalRow['kind'], value: number | null): string {
  if (value === null) return '-';
  return kind === 'difference' ? `${value >= 0 ? '+' : ''}${value.toFixed(3)}` : formatRatio(value);
}

function goalSection(report: BenchReport, goalBackends: readonly BackendResult[]): string[] {
  const peers = report.peers;
  const rowsOf = (b: BackendResult) => report.goals.filter((g) => g.backend === b.backend);
  const first = rowsOf(goalBackends[0]!);
  if (peers.length === 0) {
    return [
      'Goal (issue #16): Diffeo against PyTorch measured in the same run. This run has no peer (add --peer pytorch):',
      'no ratio is shown and nothing is judged.',
      renderTable(
        ['', 'unit', 'target', ...goalBackends.map((b) => b.backend)],
        first.map((g) => [
          g.what,
          g.unit,
          formatTarget(g),
          ...goalBackends.map((b) => {
            const row = rowsOf(b).find((x) => x.what === g.what);
            return row?.diffeo == null ? '-' : formatValue(row.diffeo, g.unit);
          }),
        ]),
      ),
      '',
    ];
  }
  const who = peerLabel(peers[0]!);
  const peerValue = (run: PeerRun, g: GoalRow) => {
    const id = GOALS.find((x) => x.what === g.what)?.figureId;
    const f = run.workloads.flatMap((w) => w.figures).find((x) => x.id === id);
    return f === undefined ? '-' : formatValue(f.value, g.unit);
  };
  return [
    `Goal (issue #16): Diffeo against ${goalPeer(peers[0]!)} measured in this run, interleaved with it`,
    renderTable(
      [
        '',
        'unit',
        'target',
        ...peers.map(peerName),
        ...goalBackends.flatMap((b) => [b.backend, `vs ${threadsOf(b)}t`, 'vs best', 'products only']),
      ],
      first.map((g) => [
        g.what,
        g.unit,
        formatTarget(g),
        ...peers.map((run) => peerValue(run, g)),
        ...goalBackends.flatMap((b) => {
          const row = rowsOf(b).find((x) => x.what === g.what);
          if (row === undefined || row.diffeo === null) return ['-', '-', '-', '-'];
          const mark = row.met === null ? '' : row.met ? ' met' : ' not met';
          const bestAt = row.peerBest === null ? '' : ` (${row.peerBest.threads}t)`;
          return [
            formatValue(row.diffeo, g.unit),
            `${formatVersus(g.kind, row.versus)}${mark}`,
            `${formatVersus(g.kind, row.versusBest)}${bestAt}`,
            formatVersus(g.kind, row.productsOnly),
          ];
        }),
      ]),
    ),
    `  ratio: Diffeo's speed over ${who}'s (above 1x is faster; a wall-time target of 0.7x its time is 1.43x); NLL: Diffeo's minus ${who}'s\n` +
      `  products only: ${who}'s time over Diffeo's time inside its product kernels (kernel-profile): the ratio if nothing else took time` +
      (report.quick ? '\n  quick run: sizes differ from the goals, for orientation only, never judged' : ''),
    '',
  ];
}

function cell(f: Figure | undefined): string {
  if (f === undefined) return '-';
  const v = formatValue(f.value, f.unit);
  if (f.spread === undefined || f.spread.n < 2) return v;
  return `${v} ±${Math.round((f.spread.relSpread / 2) * 100)}%`;
}

/** A figure, or '-' where there is none. */
const num = (v: number | null): string => (v === null ? '-' : formatNumber(v));

/** The readable report: machine, backends, one table per workload, memory, goals, analysis. */
export function renderReport(report: BenchReport): string {
  const out: string[] = [];
  const m = report.machine;
  out.push(
    `Diffeo bench (${report.quick ? 'quick' : 'full'}) ${report.date}`,
    `Machine: ${processorName(m)}, ${m.cores} cores, ${formatBytes(m.totalMemoryBytes)}, ${m.platform}/${m.arch}, Node ${m.node}` +
      `${m.chromium === undefined ? '' : `, Chromium ${m.chromium}`}, load average ${m.loadAverage.join(' ')}`,
    'Backends:',
    ...report.backends.map(describeBackend),
    ...(report.peers.length === 0
      ? []
      : ['Peer (interleaved with the backends):', ...report.peers.map(describePeer)]),
    '',
  );
  const backends = report.backends;
  const names = [...new Set(backends.flatMap((b) => b.workloads.map((w) => w.name)))];
  const columns = [...backends.map((b) => b.backend), ...report.peers.map(peerName)];
  for (const name of names) {
    const ours = backends.map((b) => b.workloads.find((w) => w.name === name));
    const first = ours.find((w) => w !== undefined)!;
    const ws = [...ours, ...report.peers.map((p) => p.workloads.find((w) => w.name === name))];
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
      if (w?.error !== undefined) out.push(`  ERROR on ${columns[i]}: ${w.error}`);
    }
    out.push(renderTable(['', ...columns], rows), '');
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

  for (const run of report.peers) {
    if (run.error !== undefined) out.push(`ERROR on ${peerName(run)}: ${run.error}`, '');
  }
  const goalBackends = backends.filter((b) => b.backend === 'wasm' || b.backend === 'browser-wasm');
  if (goalBackends.length > 0) out.push(...goalSection(report, goalBackends));

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
    out.push(
      'Top kernels of one profiled call (a training step, a logProb chunk): share of kernel time (calls)',
      ...kernelLines,
      '',
    );
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
  const arithmetic = report.arithmetic ?? [];
  if (arithmetic.length > 0) {
    const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(0)}%`);
    out.push(
      "Where the arithmetic is: matrix-product FLOPs (2mnk) of a profiled call, their rate, and its share of the product kernel's own rate (op-overhead's matmul)",
    );
    out.push(
      renderTable(
        [
          'backend',
          'arch',
          'call',
          'GFLOP',
          'ms',
          'GFLOP/s over wall',
          'GFLOP/s in products',
          'product kernel alone',
          'share, wall',
          'share, products',
        ],
        arithmetic.map((a) => [
          a.backend,
          a.arch,
          a.call,
          a.gflop.toPrecision(3),
          formatNumber(a.wallMs),
          formatNumber(a.wallGflops),
          num(a.productGflops),
          num(a.limitGflops),
          pct(a.wallShare),
          pct(a.productShare),
        ]),
        3,
      ),
      '',
    );
  }
  const highDim = report.highDimArithmetic ?? [];
  if (highDim.length > 0) {
    out.push(
      "The dimensions of the papers: matrix-product GFLOP of a call counted dense (masks multiplied in, as PyTorch runs them), the rate each side ran it at, the product kernel's own rate (op-overhead's matmul), Diffeo's time in its product kernels, and the ratio to the peer if nothing else took time (the peer's time over those products')",
    );
    out.push(
      renderTable(
        [
          'backend',
          'arch',
          'call',
          'GFLOP',
          'Diffeo GFLOP/s',
          'peer GFLOP/s',
          'product kernel alone',
          'Diffeo products ms',
          'products-only ratio',
        ],
        highDim.map((a) => [
          a.backend,
          a.arch,
          a.call,
          a.gflop.toPrecision(3),
          formatNumber(a.diffeoGflops),
          num(a.peerGflops),
          num(a.limitGflops),
          formatNumber(a.productMs),
          a.productsOnlyRatio === null ? '-' : `${a.productsOnlyRatio.toFixed(2)}x`,
        ]),
        3,
      ),
      '',
    );
  }
  const missing = report.backends.flatMap((b) => {
    const names = b.workloads.find((w) => w.name === 'kernel-profile')?.details?.productKernelsWithoutFormula;
    return Array.isArray(names) && names.length > 0
      ? [`WARNING on ${b.backend}: product kernels without a FLOP formula (not counted): ${names.join(', ')}`]
      : [];
  });
  if (missing.length > 0) out.push(...missing, '');
  return out.join('\n');
}
