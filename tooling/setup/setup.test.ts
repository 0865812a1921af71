import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onPath, PEER_PYTHONS, peerPackagesMissing, plan, probePeerPython, REQUIREMENTS } from './setup.mjs';

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

it('asks for the tools the tests run', () => {
  expect(REQUIREMENTS.map((r: { command: string }) => r.command).sort()).toEqual(
    ['chromium', 'clang-14', 'wasm-ld-14', 'wasm2wat'].sort(),
  );
});

describe("the bench's PyTorch peer", () => {
  it('needs nothing once one interpreter imports torch on a real BLAS', () => {
    expect(peerPackagesMissing([null, { torch: true, referenceBlas: false }])).toEqual([]);
  });

  it("asks for OpenBLAS when torch runs on Debian's reference BLAS, for both otherwise", () => {
    expect(peerPackagesMissing([{ torch: true, referenceBlas: true }, null])).toEqual([
      'libopenblas0-openmp',
    ]);
    expect(peerPackagesMissing([{ torch: false, referenceBlas: false }, null])).toEqual([
      'python3-torch',
      'libopenblas0-openmp',
    ]);
    expect(peerPackagesMissing([])).toEqual(['python3-torch', 'libopenblas0-openmp']);
  });

  it('probes the interpreters the bench tries', () => {
    expect(PEER_PYTHONS).toEqual(['python3', '/usr/bin/python3']);
    expect(probePeerPython('/nonexistent/python3')).toBeNull();
  });
});
