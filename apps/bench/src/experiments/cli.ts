import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { recordedCommand } from '../node/recorded-path.js';
import { EXPERIMENTS, findExperiment } from './index.js';
import { runExperiment } from './run.js';
import type { ExperimentProgress } from './types.js';

function seedList(value: string): number[] {
  const seeds = value.split(',').map((s) => Number(s.trim()));
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new InvalidArgumentError(`expected comma-separated non-negative integers, got '${value}'`);
  }
  return seeds;
}

/** A bar on a terminal, else one line per unit with the time spent (for runs logged to a file). */
function experimentProgress(enabled: boolean): ExperimentProgress & { stop(): void } {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (!enabled) return { plan: () => {}, tick: () => {}, log, stop: () => {} };
  const start = performance.now();
  if (!process.stderr.isTTY) {
    let done = 0;
    let total = 0;
    return {
      plan: (n) => {
        total = n;
      },
      tick: (label) => {
        done += 1;
        log(`[${((performance.now() - start) / 1000).toFixed(0).padStart(5)} s] ${done}/${total} ${label}`);
      },
      log,
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {value}/{total} | {duration_formatted} | {task}',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  let started = false;
  return {
    plan: (n) => {
      if (started) bar.setTotal(n);
      else bar.start(n, 0, { task: 'starting' });
      started = true;
    },
    tick: (label) => {
      bar.update(done, { task: label });
      done += 1;
    },
    log: (line) => {
      if (started) bar.stop();
      log(line);
      if (started) bar.start(bar.getTotal(), done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function command(): Command {
  return new Command('bench experiment')
    .description(
      "Runs one experiment of the papers' (see `list`): prints its tables beside the paper's numbers, writes JSON and SVG figures",
    )
    .argument(
      '<name>',
      `an experiment, or 'list': ${EXPERIMENTS.map((e) => e.name).join(', ') || 'none yet'}`,
    )
    .option('--quick', 'the quick seeded setting (what the tests run), not the full one', false)
    .option('--seeds <list>', 'comma-separated seeds (default: the setting’s own)', seedList)
    .addOption(new Option('--backend <name>', 'Node backend').choices(['wasm', 'cpu']).default('wasm'))
    .option('--json <file>', 'write the tables, findings and every number behind them to this JSON file')
    .option('--figures <dir>', 'write the figures as SVG into this folder')
    .option('--no-progress', 'no progress bar');
}

/** `pnpm bench experiment <name> [--quick] [--seeds 0,1,2] [--backend wasm] [--json F] [--figures DIR]`. */
export async function experimentMain(args: string[]): Promise<number> {
  const cli = command().parse(args, { from: 'user' });
  const name = cli.args[0]!;
  if (name === 'list') {
    for (const e of EXPERIMENTS)
      process.stdout.write(`${e.name.padEnd(28)} ${e.reproduces}: ${e.description}\n`);
    return 0;
  }
  const experiment = findExperiment(name);
  const o = cli.opts<{
    quick: boolean;
    seeds?: number[];
    backend: 'cpu' | 'wasm';
    json?: string;
    figures?: string;
    progress: boolean;
  }>();
  const progress = experimentProgress(o.progress);
  try {
    const report = await runExperiment(experiment, {
      quick: o.quick,
      backend: o.backend,
      progress,
      command: `bench experiment ${recordedCommand(args, ['--json', '--figures']).join(' ')}`,
      ...(o.seeds === undefined ? {} : { seeds: o.seeds }),
      ...(o.json === undefined ? {} : { json: o.json }),
      ...(o.figures === undefined ? {} : { figures: o.figures }),
    });
    if (report.tensorsLeft !== 0) {
      process.stderr.write(`experiment ${name} left ${report.tensorsLeft} tensors behind\n`);
      return 1;
    }
    return 0;
  } finally {
    progress.stop();
  }
}
