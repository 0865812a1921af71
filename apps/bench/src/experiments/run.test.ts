import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scatter } from '@diffeo/plots';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { findExperiment } from './index.js';
import { runExperiment } from './run.js';
import type { Experiment } from './types.js';

const silent = { plan: () => {}, tick: () => {}, log: () => {} };

/** A stand-in experiment: one table, one figure, and a tensor left behind when asked to. */
const standIn = (leak: boolean): Experiment => ({
  name: 'stand-in',
  package: '@diffeo/bench',
  reproduces: 'nothing',
  description: 'tests the runner',
  settings: { quick: 'quick setting', full: 'full setting' },
  run: async ({ quick, seeds }) => {
    if (leak) tf.scalar(1);
    return {
      tables: [{ title: 'NLL', header: ['model', 'ours', 'paper'], rows: [['f4f', '1.234', '1.2|3']] }],
      figures: [
        {
          name: 'points',
          figure: scatter({
            points: [
              [0, 0],
              [1, 1],
            ],
          }),
        },
      ],
      data: { quick, seeds: seeds ?? [0] },
      findings: ['the stand-in ran'],
    };
  },
});

describe('runExperiment', () => {
  it('prints Markdown, writes the JSON and the SVG figures, and counts tensors left behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'experiment-'));
    let out = '';
    const report = await runExperiment(standIn(false), {
      quick: true,
      seeds: [3, 4],
      backend: 'cpu',
      json: join(dir, 'r.json'),
      figures: join(dir, 'figs'),
      progress: silent,
      write: (t) => {
        out += t;
      },
    });
    expect(out).toContain('| model | ours  | paper  |');
    expect(out).toContain('| f4f   | 1.234 | 1.2\\|3 |');
    expect(out).toContain('- the stand-in ran');
    const json = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
    expect(json.data).toEqual({ quick: true, seeds: [3, 4] });
    expect(json.setting).toBe('quick');
    expect(json.tensorsLeft).toBe(0);
    expect(await readFile(join(dir, 'figs', 'points.svg'), 'utf8')).toMatch(/^<svg/);
    // the temporary folder is outside the repository: the JSON keeps the file's name alone
    expect(json.figures).toEqual(['points.svg']);
    expect(report.backend.name).toBe('cpu');

    const leaky = await runExperiment(standIn(true), {
      quick: true,
      backend: 'cpu',
      progress: silent,
      write: () => {},
    });
    expect(leaky.tensorsLeft).toBe(1);
  });

  it('names every experiment when asked for an unknown one', () => {
    expect(() => findExperiment('f4f-idnetity', [standIn(false)])).toThrow(
      /unknown experiment 'f4f-idnetity': expected one of stand-in/,
    );
  });
});
