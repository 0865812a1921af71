import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, recordedCommand, recordedPath } from './recorded-path.js';

describe('recorded paths', () => {
  it('finds the repository this bench is in', () => {
    expect(REPO_ROOT).toBeDefined();
    expect(join(REPO_ROOT!, 'apps', 'bench', 'src', 'node')).toBe(import.meta.dirname);
  });

  it('keeps paths inside the repository relative to it, and only the name of any other', () => {
    const root = '/home/someone/diffeo';
    expect(recordedPath('/home/someone/diffeo/apps/bench/results/run.json', root)).toBe(
      'apps/bench/results/run.json',
    );
    expect(recordedPath('/tmp/share-full/mixtures-sharing.svg', root)).toBe('mixtures-sharing.svg');
    expect(recordedPath('/home/someone/diffeo-old/run.json', root)).toBe('run.json');
    expect(recordedPath(join(REPO_ROOT!, 'apps', 'bench', 'x.json'))).toBe('apps/bench/x.json');
  });

  it('rewrites the values of path options only, in both spellings', () => {
    const words = [
      'experiment',
      'mixtures-sharing',
      '--json',
      '/tmp/a/r.json',
      '--figures=/tmp/a',
      '--seeds',
      '0,1',
    ];
    expect(recordedCommand(words, ['--json', '--figures'], '/repo')).toEqual([
      'experiment',
      'mixtures-sharing',
      '--json',
      'r.json',
      '--figures=a',
      '--seeds',
      '0,1',
    ]);
  });
});
