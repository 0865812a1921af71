import cliProgress from 'cli-progress';

/** One item of work starting: on which side (a backend, or the peer at a thread count), what. */
export interface ProgressTick {
  backend: string;
  workload: string;
  label: string;
}

/**
 * Progress on stderr (stdout stays clean for the table): a bar on a terminal, else one line per
 * task with the time spent (for runs logged to a file); nothing when disabled.
 */
export interface Progress {
  tick(event: ProgressTick): void;
  log(line: string): void;
  stop(): void;
}

export function createProgress(total: number, enabled: boolean): Progress {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (!enabled) return { tick: () => {}, log, stop: () => {} };
  if (!process.stderr.isTTY) {
    const start = performance.now();
    let done = 0;
    return {
      tick: (e) => {
        done += 1;
        const s = ((performance.now() - start) / 1000).toFixed(0).padStart(5);
        log(`[${s} s] ${done}/${total} ${e.backend} ${e.workload}: ${e.label}`);
      },
      log,
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      // Tasks differ by orders of magnitude in length, so an ETA would mislead: show the time spent.
      format: '{bar} {value}/{total} | {duration_formatted} | {backend} {task}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { backend: '', task: 'starting' });
  let done = 0;
  return {
    tick(event) {
      // The first tick of a task announces it: the bar counts tasks started, shown as finished.
      bar.update(done, { backend: event.backend, task: `${event.workload} ${event.label}` });
      done += 1;
    },
    log(line) {
      bar.stop();
      process.stderr.write(`${line}\n`);
      bar.start(total, done);
    },
    stop() {
      bar.update(total, { task: 'done' });
      bar.stop();
    },
  };
}
