#!/usr/bin/env node
// The system packages the tests need beyond Node 20 and npm, installed before `pnpm test` runs:
// Debian's chromium (the browser tests and the bench's webgl and browser-wasm backends, driven by
// playwright-core, which cannot download browsers here), clang-14, lld-14 and wabt (the test
// that the committed wasm kernels are what their C sources compile to), and python3-torch with
// OpenBLAS (the bench's PyTorch peer). As root it runs apt-get; otherwise it prints the one command
// to run and fails, so the tests never start half-equipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each command the tests run, and the Debian package that provides it. */
export const REQUIREMENTS = [
  { command: 'chromium', pkg: 'chromium' },
  { command: 'clang-14', pkg: 'clang-14' },
  { command: 'wasm-ld-14', pkg: 'lld-14' },
  { command: 'wasm2wat', pkg: 'wabt' },
];

/** The interpreters the bench's PyTorch peer tries, in its order (apps/bench/src/peer/python.ts). */
export const PEER_PYTHONS = ['python3', '/usr/bin/python3'];

// Prints whether torch imports and whether its matrix products run on Debian's reference BLAS
// (what python3-torch pulls in when no other BLAS is installed: several times slower than OpenBLAS,
// so the peer refuses it).
const PEER_PROBE = `
import json, os
try:
    import torch
except ImportError:
    print(json.dumps({"torch": False, "referenceBlas": False}))
    raise SystemExit
torch.ones(64, 64) @ torch.ones(64, 64)
maps = open("/proc/self/maps").read() if os.path.exists("/proc/self/maps") else ""
fast = any(k in maps for k in ("openblas", "mkl", "blis", "atlas"))
print(json.dumps({"torch": True, "referenceBlas": "/blas/libblas.so" in maps and not fast}))
`;

/** What one interpreter reports for the peer, or null when it cannot be run. */
export function probePeerPython(python) {
  const r = spawnSync(python, ['-c', PEER_PROBE], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.error !== undefined || r.status !== 0) return null;
  try {
    return JSON.parse(r.stdout.trim().split('\n').at(-1));
  } catch {
    return null;
  }
}

/**
 * The Debian packages the PyTorch peer still needs, from each interpreter's report (null: it did
 * not run): none when one imports torch on a real BLAS; OpenBLAS when torch runs on the reference
 * BLAS; else both.
 */
export function peerPackagesMissing(reports) {
  if (reports.some((r) => r?.torch === true && r.referenceBlas !== true)) return [];
  if (reports.some((r) => r?.torch === true)) return ['libopenblas0-openmp'];
  return ['python3-torch', 'libopenblas0-openmp'];
}

/** Whether `command` is an executable on `path` (a PATH string). */
export function onPath(command, path = process.env.PATH ?? '') {
  return path.split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * What to do: nothing, run apt-get (root on a machine with apt-get), or tell the user the command
 * (anyone else). `missing` lists Debian package names.
 */
export function plan({ missing, isRoot, hasAptGet, hasSudo }) {
  if (missing.length === 0) return { action: 'none' };
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
  if (hasAptGet && isRoot) {
    return { action: 'install', commands: [['apt-get', 'update', '-qq'], install] };
  }
  if (hasAptGet) {
    const sudo = hasSudo ? 'sudo ' : '';
    return {
      action: 'tell',
      message:
        `The tests need ${missing.join(', ')}, which are not installed. Run this once, then the test command again:\n\n` +
        `  ${sudo}apt-get update && ${sudo}${install.join(' ')}\n` +
        (hasSudo ? '' : '\n(as root: this user cannot install system packages)\n'),
    };
  }
  return {
    action: 'tell',
    message:
      `The tests need the Debian packages ${missing.join(', ')} (Chromium; clang and lld 14 with the wasm32 target; ` +
      'wabt; PyTorch with OpenBLAS for Python 3), and this machine has no apt-get. Install their equivalents with ' +
      'your package manager; the browser tests look for Chromium at /usr/bin/chromium or at CHROMIUM_PATH, the ' +
      "bench's PyTorch peer for python3 on the PATH or /usr/bin/python3.\n",
  };
}

function missingPackages() {
  return [
    ...REQUIREMENTS.filter((r) => !onPath(r.command)).map((r) => r.pkg),
    ...peerPackagesMissing(PEER_PYTHONS.map(probePeerPython)),
  ];
}

function main() {
  const missing = missingPackages();
  const step = plan({
    missing,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasAptGet: onPath('apt-get'),
    hasSudo: onPath('sudo'),
  });
  if (step.action === 'none') return;
  if (step.action === 'tell') {
    process.stderr.write(step.message);
    process.exit(1);
  }
  console.log(`setup: installing ${missing.join(', ')} with apt-get`);
  for (const [cmd, ...args] of step.commands) {
    execFileSync(cmd, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  const still = missingPackages();
  if (still.length > 0) {
    process.stderr.write(`setup: apt-get finished but ${still.join(', ')} still seem to be missing\n`);
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
