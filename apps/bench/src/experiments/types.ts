import type { Json } from '@diffeo/core';
import type { Figure } from '@diffeo/plots';

/** Progress of a long experiment: `plan` the number of units, `tick` each one as it starts. */
export interface ExperimentProgress {
  plan(total: number): void;
  tick(label: string): void;
  log(line: string): void;
}

/** What an experiment is handed by the `experiment` command (and by its tests). */
export interface ExperimentContext {
  /** The quick seeded setting (seconds to a minute; run by the tests) instead of the full one. */
  quick: boolean;
  /** Seeds to run; undefined: the setting's own (quick: one seed). */
  seeds?: number[];
  progress: ExperimentProgress;
}

/** A table as printed (Markdown) and stored in the JSON: our figures beside the paper's. */
export interface ExperimentTable {
  title: string;
  header: string[];
  rows: string[][];
  /** Lines under the table: what a column means, where the paper's numbers come from. */
  notes?: string[];
}

export interface ExperimentResult {
  tables: ExperimentTable[];
  /** Written as `<name>.svg` into the figures folder. */
  figures: { name: string; figure: Figure }[];
  /** Every number behind the tables (per seed, per setting), for the JSON. */
  data: Json;
  /** What the run shows, said plainly (e.g. whether auxiliary dimensions help on held-out data). */
  findings: string[];
}

/**
 * One experiment of a paper, run by `pnpm bench experiment <name>`. A method package contributes its
 * experiments to the list in `experiments/index.ts`; each has a quick seeded setting (tests) and a
 * full one (the package README's tables).
 */
export interface Experiment {
  /** Command name, `<package short name>-<what>`, e.g. `f4f-identity`. */
  name: string;
  /** The package whose method it runs. */
  package: string;
  /** The paper and the table or figure it reproduces. */
  reproduces: string;
  description: string;
  /** The two settings in words: data sizes, steps, seeds. */
  settings: { quick: string; full: string };
  run(context: ExperimentContext): Promise<ExperimentResult>;
}
