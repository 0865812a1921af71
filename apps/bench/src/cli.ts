#!/usr/bin/env node
// `pnpm bench`: runs the workloads on the chosen backends (cpu and wasm in Node child processes,
// webgl and wasm in headless Chromium), prints a table, writes JSON and compares with a previous run.
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { CHROMIUM_PATH } from '@diffeo/chromium';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type BrowserSession, openBrowser } from './browser/run-browser.js';
import { experimentMain } from './experiments/cli.js';
import type { ProgressEvent } from './harness.js';
import { ARCHS, selectArchs } from './models.js';
import { machineInfo } from './node/machine.js';
import { recordedCommand } from './node/recorded-path.js';
import { runNode } from './node/run-node.js';
import {
  PEER_NAMES,
  type PeerLauncher,
  type PeerName,
  pytorchLauncher,
  standInLauncher,
} from './peer/launcher.js';
import { findPython, INSTALL_COMMAND } from './peer/python.js';
import { parameterMismatches, peerRunPlanLength, runWithPeer } from './peer/run-with-peer.js';
import type { PeerAllocator } from './peer/session.js';
import { createProgress } from './progress.js';
import { analysisRows, arithmeticRows, highDimArithmeticRows } from './report/analysis.js';
import { compareReports, renderComparison } from './report/compare.js';
import { peerName } from './report/format.js';
import { goalRows } from './report/goals.js';
import { renderReport } from './report/table.js';
import { planOf, type RunRequest } from './run-backend.js';
import {
  ALL_BACKENDS,
  type BackendResult,
  type BenchBackend,
  type BenchReport,
  type PeerRun,
} from './types.js';
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

/** The default backends beside a peer: the one the goals are about. */
const PEER_DEFAULT: readonly BenchBackend[] = ['wasm'];

function peerChoice(value: string): PeerName {
  if (!(PEER_NAMES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${PEER_NAMES.join(', ')}, got '${value}'`);
  }
  return value as PeerName;
}

function allocatorChoice(value: string): PeerAllocator {
  if (value !== 'keep' && value !== 'default') {
    throw new InvalidArgumentError(`expected keep or default, got '${value}'`);
  }
  return value;
}

function threadList(value: string): number[] {
  const counts = list(value).map(positiveInt);
  if (counts.length === 0) throw new InvalidArgumentError('expected at least one thread count');
  return [...new Set(counts)];
}

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
  peer?: PeerName;
  peerThreads?: number[];
  peerAllocator?: PeerAllocator;
  python?: string;
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
        `only these workloads: ${WORKLOADS.map((w) => w.name).join(', ')} (default: all but ` +
          `${WORKLOADS.filter((w) => w.optIn === true)
            .map((w) => w.name)
            .join(', ')}, which runs only when named)`,
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
    .option(
      '--peer <name>',
      'run a peer side by side, interleaved with ours, and hold Diffeo against it: pytorch (plain PyTorch: ' +
        `Debian's \`${INSTALL_COMMAND}\`) or stand-in (made-up figures for testing the bench, never a comparison); ` +
        `default backends then: ${PEER_DEFAULT.join(',')}`,
      peerChoice,
    )
    .option(
      '--peer-threads <list>',
      "the peer's thread counts, one peer process each (default: 1 and every core)",
      threadList,
    )
    .option(
      '--peer-allocator <keep|default>',
      "the peer's C allocator: keep (glibc keeps freed memory for reuse, no page faults per pass) or " +
        "default (glibc's own settings, as PyTorch runs out of the box); default keep",
      allocatorChoice,
    )
    .option(
      '--python <path>',
      'the Python that runs the peer (default: python3 on the PATH, then /usr/bin/python3)',
    )
    .option('--chromium <path>', "Chromium for the browser backends (Debian's package)", CHROMIUM_PATH)
    .option('--no-progress', 'no progress bar (it is drawn on stderr only when stderr is a terminal)')
    .addHelpText(
      'after',
      `
From the repository root: pnpm bench --quick   (builds what the bench needs, then runs it)
Beside PyTorch:           pnpm bench --peer pytorch   (wasm and PyTorch at 1 and all cores, interleaved)
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

  // Before anything runs: a missing peer is a clear error with the install command, not a stack.
  const peer: PeerLauncher | undefined =
    o.peer === 'pytorch'
      ? pytorchLauncher(findPython(o.python))
      : o.peer === 'stand-in'
        ? standInLauncher()
        : undefined;
  const peerThreads = o.peerThreads ?? [...new Set([1, os.cpus().length])];

  const backends =
    o.backends ??
    (o.peer !== undefined ? [...PEER_DEFAULT] : o.quick ? [...ALL_BACKENDS] : [...FULL_DEFAULT]);
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
  const total =
    peer === undefined
      ? requests.reduce((sum, r) => sum + planOf(r).length, 0)
      : peerRunPlanLength(requests, peerThreads);
  const progress = createProgress(total, o.progress);
  let results: BackendResult[] = [];
  let peers: PeerRun[] = [];
  const failures: BenchReport['failures'] = [];
  let browser: BrowserSession | undefined;
  const runOne = async (request: RunRequest, onProgress: (e: ProgressEvent) => void) => {
    if (request.backend === 'cpu' || request.backend === 'wasm') return runNode(request, onProgress);
    browser ??= await openBrowser(o.chromium);
    return browser.run(request, onProgress);
  };
  try {
    if (peer === undefined) {
      for (const request of requests) {
        try {
          results.push(await runOne(request, (e) => progress.tick(e)));
        } catch (e) {
          const message = (e as Error).message;
          failures.push({ backend: request.backend, message });
          progress.log(`${request.backend} failed: ${message}`);
        }
      }
    } else {
      ({ backends: results, peers } = await runWithPeer({
        requests,
        runOurs: runOne,
        peer,
        threads: peerThreads,
        allocator: o.peerAllocator ?? 'keep',
        onProgress: (tick) => progress.tick(tick),
        onFailure: (side, message) => {
          const backend = backends.find((b) => b === side);
          if (backend !== undefined) failures.push({ backend, message });
          progress.log(`${side} failed: ${message}`);
        },
      }));
    }
  } finally {
    progress.stop();
    await browser?.close();
  }

  const report: BenchReport = {
    format: 2,
    date: new Date().toISOString(),
    quick: o.quick,
    command: `bench ${recordedCommand(args, ['--json', '--compare']).join(' ')}`.trim(),
    machine: machineInfo(browser?.version),
    backends: results,
    peers,
    goals: goalRows(results, peers, o.quick),
    analysis: analysisRows(results),
    arithmetic: arithmeticRows(results),
    highDimArithmetic: highDimArithmeticRows(results, peers),
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
    ...peers.flatMap((p) => [
      ...(p.error === undefined ? [] : [`${peerName(p)}: ${p.error}`]),
      ...p.workloads.flatMap((w) => (w.error === undefined ? [] : [`${peerName(p)} ${w.name}: ${w.error}`])),
    ]),
    ...parameterMismatches(report),
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
