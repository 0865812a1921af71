#!/usr/bin/env node
// `pnpm bench`: runs the workloads on the chosen backends (cpu and wasm in Node child processes,
// webgl and wasm in headless Chromium), prints a table, writes JSON and compares with a previous run.
import { readFile, writeFile } from 'node:fs/promises';
import { CHROMIUM_PATH } from '@diffeo/chromium';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type BrowserSession, openBrowser } from './browser/run-browser.js';
import { experimentMain } from './experiments/cli.js';
import { ARCHS, selectArchs } from './models.js';
import { machineInfo } from './node/machine.js';
import { runNode } from './node/run-node.js';
import { createProgress } from './progress.js';
import { analysisRows } from './report/analysis.js';
import { compareReports, renderComparison } from './report/compare.js';
import { goalRows } from './report/goals.js';
import { renderReport } from './report/table.js';
import { planOf, type RunRequest } from './run-backend.js';
import { ALL_BACKENDS, type BackendResult, type BenchBackend, type BenchReport } from './types.js';
import { selectWorkloads, WORKLOADS } from './workloads/index.js';

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

function backendList(value: string): BenchBackend[] {
  const names = list(value);
  for (const n of names) {
    if (!ALL_BACKENDS.includes(n as BenchBackend)) {
      throw new InvalidArgumentError(`expected some of ${ALL_BACKENDS.join(', ')}, got '${n}'`);
    }
  }
  if (names.length === 0) throw new InvalidArgumentError('expected at least one backend');
  return [...new Set(names)] as BenchBackend[];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

function checked<T>(parse: (v: string[]) => T) {
  return (value: string) => {
    try {
      parse(list(value));
      return list(value);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message.replace(/^--\w+: /, ''));
    }
  };
}

/** The default backends of a full run: cpu is a fallback 10-15x slower than wasm, not a target. */
const FULL_DEFAULT: readonly BenchBackend[] = ['wasm', 'browser-wasm', 'webgl'];

interface CliOptions {
  quick: boolean;
  backends?: BenchBackend[];
  json?: string;
  compare?: string;
  workloads?: string[];
  archs?: string[];
  repeats?: number;
  ttqSteps?: number;
  ttqSeeds?: number;
  threads?: number;
  chromium: string;
  progress: boolean;
}

function program(): Command {
  return new Command('bench')
    .description(
      "Measures Diffeo's flows (train step, logProb, sampling, time to quality, per-op cost, memory) on cpu and wasm in " +
        'Node and on webgl and wasm in headless Chromium; prints a table, writes JSON, compares with a previous run.',
    )
    .option(
      '--quick',
      'shrink every workload (batches 8/64, 256 points, 10 training steps, 2 repeats): a check, not a measurement',
      false,
    )
    .option(
      '--backends <list>',
      `comma-separated backends: ${ALL_BACKENDS.join(', ')} (webgl and browser-wasm run in headless Chromium); ` +
        `default: all four with --quick, else ${FULL_DEFAULT.join(',')} (a full cpu run takes hours)`,
      backendList,
    )
    .option('--json <file>', 'write every figure, the machine and the backend reports to this JSON file')
    .option('--compare <file>', 'a previous run JSON: print the ratio of every figure to it')
    .addOption(
      new Option(
        '--workloads <list>',
        `only these workloads: ${WORKLOADS.map((w) => w.name).join(', ')}`,
      ).argParser(checked(selectWorkloads)),
    )
    .addOption(
      new Option(
        '--archs <list>',
        `only these architectures: ${ARCHS.map((a) => a.id).join(', ')}`,
      ).argParser(checked(selectArchs)),
    )
    .option('--repeats <n>', 'timed samples per measurement (default 7, quick 2)', positiveInt)
    .option('--ttq-steps <n>', 'training steps of time-to-quality (default 3000, quick 10)', positiveInt)
    .option(
      '--ttq-seeds <n>',
      'trainings of time-to-quality, seeds 0 to n-1; the NLL is their mean (default 3, quick 1)',
      positiveInt,
    )
    .option(
      '--threads <n>',
      "XNNPACK threads of wasm and browser-wasm, 1 to 8 (default: tfjs's choice, 1 in Node and half the cores in " +
        'Chromium); more pay on large batches only',
      positiveInt,
    )
    .option('--chromium <path>', "Chromium for the browser backends (Debian's package)", CHROMIUM_PATH)
    .option('--no-progress', 'no progress bar (it is drawn on stderr only when stderr is a terminal)')
    .addHelpText(
      'after',
      `
From the repository root: pnpm bench --quick   (builds what the bench needs, then runs it)
The papers' experiments:  pnpm bench experiment list, pnpm bench experiment <name> --quick
In apps/bench:            pnpm bench --quick   (after pnpm build)
Exit code 1 when a workload failed or left tensors behind.`,
    );
}

async function main(argv: string[]): Promise<number> {
  // `pnpm bench -- --quick` hands the separator through: drop it so both spellings work.
  const args = argv.slice(2).filter((a, i) => !(a === '--' && i === 0));
  if (args[0] === 'experiment') return experimentMain(args.slice(1));
  const cli = program().parse(args, { from: 'user' });
  const o = cli.opts<CliOptions>();
  const previous =
    o.compare === undefined ? undefined : (JSON.parse(await readFile(o.compare, 'utf8')) as BenchReport);

  const backends = o.backends ?? (o.quick ? [...ALL_BACKENDS] : [...FULL_DEFAULT]);
  const requests: RunRequest[] = backends.map((backend) => ({
    backend,
    quick: o.quick,
    ...(o.repeats === undefined ? {} : { repeats: o.repeats }),
    ...(o.ttqSteps === undefined ? {} : { ttqSteps: o.ttqSteps }),
    ...(o.ttqSeeds === undefined ? {} : { ttqSeeds: o.ttqSeeds }),
    ...(o.threads === undefined ? {} : { threads: o.threads }),
    ...(o.workloads === undefined ? {} : { workloads: o.workloads }),
    ...(o.archs === undefined ? {} : { archs: o.archs }),
  }));
  const total = requests.reduce((sum, r) => sum + planOf(r).length, 0);
  const progress = createProgress(total, o.progress);
  const results: BackendResult[] = [];
  const failures: BenchReport['failures'] = [];
  let browser: BrowserSession | undefined;
  try {
    for (const request of requests) {
      try {
        if (request.backend === 'cpu' || request.backend === 'wasm') {
          results.push(await runNode(request, (e) => progress.tick(e)));
        } else {
          browser ??= await openBrowser(o.chromium);
          results.push(await browser.run(request, (e) => progress.tick(e)));
        }
      } catch (e) {
        const message = (e as Error).message;
        failures.push({ backend: request.backend, message });
        progress.log(`${request.backend} failed: ${message}`);
      }
    }
  } finally {
    progress.stop();
    await browser?.close();
  }

  const report: BenchReport = {
    format: 1,
    date: new Date().toISOString(),
    quick: o.quick,
    command: `bench ${args.join(' ')}`.trim(),
    machine: machineInfo(browser?.version),
    backends: results,
    goals: goalRows(results, o.quick),
    analysis: analysisRows(results),
    failures,
  };
  process.stdout.write(`${renderReport(report)}\n`);
  if (o.json !== undefined) {
    await writeFile(o.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`JSON written to ${o.json}\n`);
  }
  if (previous !== undefined) {
    process.stdout.write(`\n${renderComparison(previous, report, compareReports(previous, report))}\n`);
  }

  const problems = [
    ...failures.map((f) => `${f.backend}: ${f.message}`),
    ...results.flatMap((b) =>
      b.workloads.flatMap((w) => [
        ...(w.error === undefined ? [] : [`${b.backend} ${w.name}: ${w.error}`]),
        ...(w.memory.tensorsGrown > 0 || w.memory.bytesGrown > 0
          ? [
              `${b.backend} ${w.name}: left ${w.memory.tensorsGrown} tensors (${w.memory.bytesGrown} bytes) behind`,
            ]
          : []),
      ]),
    ),
  ];
  if (problems.length > 0) {
    process.stderr.write(`\nProblems:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
