import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BackendInfo, type Json, useBackend } from '@diffeo/core';
import { renderSvg } from '@diffeo/plots';
import * as tf from '@tensorflow/tfjs-core';
import { machineInfo } from '../node/machine.js';
import { recordedPath } from '../node/recorded-path.js';
import type { MachineInfo } from '../types.js';
import { renderMarkdownTable } from './markdown.js';
import type { Experiment, ExperimentProgress, ExperimentResult } from './types.js';

export interface ExperimentRunOptions {
  quick: boolean;
  seeds?: number[];
  backend: 'cpu' | 'wasm';
  /** Write the JSON report here. */
  json?: string;
  /** Write every figure as SVG into this folder. */
  figures?: string;
  progress: ExperimentProgress;
  /** Where the Markdown goes (default: stdout). */
  write?: (text: string) => void;
  /** The command line, recorded in the JSON (its paths as `recordedCommand` gives them). */
  command?: string;
}

/** The JSON file of one experiment run. */
export interface ExperimentReport {
  format: 1;
  experiment: string;
  package: string;
  reproduces: string;
  setting: 'quick' | 'full';
  settingDescription: string;
  command: string;
  date: string;
  wallSeconds: number;
  machine: MachineInfo;
  backend: BackendInfo;
  /** Tensors the run left behind (should be 0). */
  tensorsLeft: number;
  tables: ExperimentResult['tables'];
  findings: string[];
  /** The SVG files written, relative to the repository (or their names alone when outside it). */
  figures: string[];
  data: Json;
}

/**
 * Runs one experiment in this process on a Node backend: prints its tables as Markdown and its
 * findings, writes the JSON report and the SVG figures, and returns the report.
 */
export async function runExperiment(
  experiment: Experiment,
  options: ExperimentRunOptions,
): Promise<ExperimentReport> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const backend = await useBackend(options.backend);
  const tensorsBefore = tf.memory().numTensors;
  const start = performance.now();
  const result = await experiment.run({
    quick: options.quick,
    ...(options.seeds === undefined ? {} : { seeds: options.seeds }),
    progress: options.progress,
  });
  const wallSeconds = (performance.now() - start) / 1000;
  const tensorsLeft = tf.memory().numTensors - tensorsBefore;
  const setting = options.quick ? 'quick' : 'full';

  const figureFiles: string[] = [];
  if (options.figures !== undefined) {
    await mkdir(options.figures, { recursive: true });
    for (const { name, figure } of result.figures) {
      const file = join(options.figures, `${name}.svg`);
      await writeFile(file, await renderSvg(figure));
      figureFiles.push(recordedPath(file));
    }
  }
  const report: ExperimentReport = {
    format: 1,
    experiment: experiment.name,
    package: experiment.package,
    reproduces: experiment.reproduces,
    setting,
    settingDescription: experiment.settings[setting],
    command: options.command ?? `bench experiment ${experiment.name}${options.quick ? ' --quick' : ''}`,
    date: new Date().toISOString(),
    wallSeconds,
    machine: machineInfo(),
    backend,
    tensorsLeft,
    tables: result.tables,
    findings: result.findings,
    figures: figureFiles,
    data: result.data,
  };

  const header = `## ${experiment.name} (${setting}): ${experiment.reproduces}\n\n${experiment.settings[setting]}; ${backend.name}, ${wallSeconds.toFixed(0)} s\n`;
  const findings =
    result.findings.length === 0 ? '' : `\n${result.findings.map((f) => `- ${f}`).join('\n')}\n`;
  write(`${header}\n${result.tables.map(renderMarkdownTable).join('\n\n')}\n${findings}`);
  if (options.json !== undefined) {
    await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
    write(`JSON written to ${options.json}\n`);
  }
  if (figureFiles.length > 0)
    write(`Figures written to ${options.figures}: ${result.figures.map((f) => f.name).join(', ')}\n`);
  return report;
}
