import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onPath, plan, REQUIREMENTS } from './setup.mjs';

describe('plan', () => {
  it('does nothing when everything is installed', () => {
    expect(plan({ missing: [], isRoot: false, hasAptGet: true, hasSudo: true })).toEqual({ action: 'none' });
  });

  it('runs apt-get as root, update first', () => {
    expect(plan({ missing: ['chromium', 'wabt'], isRoot: true, hasAptGet: true, hasSudo: false })).toEqual({
      action: 'install',
      commands: [
        ['apt-get', 'update', '-qq'],
        ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium', 'wabt'],
      ],
    });
  });

  it('prints the one command to run otherwise', () => {
    const step = plan({ missing: ['clang-14', 'lld-14'], isRoot: false, hasAptGet: true, hasSudo: true });
    expect(step.action).toBe('tell');
    expect(step.message).toContain(
      'sudo apt-get update && sudo apt-get install -y --no-install-recommends clang-14 lld-14',
    );
  });

  it('names the packages on a machine without apt-get', () => {
    const step = plan({ missing: ['chromium'], isRoot: true, hasAptGet: false, hasSudo: false });
    expect(step.action).toBe('tell');
    expect(step.message).toMatch(/chromium.*no apt-get.*CHROMIUM_PATH/s);
  });
});

describe('onPath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'diffeo-setup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds executables and only executables', () => {
    writeFileSync(join(dir, 'tool-x'), '#!/bin/sh\n');
    chmodSync(join(dir, 'tool-x'), 0o755);
    writeFileSync(join(dir, 'not-x'), 'data');
    const path = ['/nonexistent', dir].join(delimiter);
    expect(onPath('tool-x', path)).toBe(true);
    expect(onPath('not-x', path)).toBe(false);
    expect(onPath('tool-y', path)).toBe(false);
  });
});

it('asks for the tools the tests run, and no PyTorch (the bench tests its peer path with a stand-in)', () => {
  expect(REQUIREMENTS.map((r: { command: string; pkg: string }) => [r.command, r.pkg])).toEqual([
    ['chromium', 'chromium'],
    ['clang-14', 'clang-14'],
    ['wasm-ld-14', 'lld-14'],
    ['wasm2wat', 'wabt'],
  ]);
});
