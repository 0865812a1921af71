#!/usr/bin/env node
// The system packages the tests need beyond Node 20 and npm, installed before `pnpm test` runs:
// Debian's chromium (the browser tests and the bench's webgl and browser-wasm backends, driven by
// playwright-core, which cannot download browsers here), clang-14, lld-14 and wabt (the test
// that the committed wasm kernels are what their C sources compile to). No PyTorch: the bench's
// tests drive its peer path with a stand-in peer written in Node; the real-PyTorch tests are opt in
// (`pnpm --filter @diffeo/bench test:peer`, apps/bench/README.md). As root it runs apt-get;
// otherwise it prints the one command to run and fails, so the tests never start half-equipped.
import { execFileSync } from 'node:child_process';
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
      'wabt), and this machine has no apt-get. Install their equivalents with your package manager; the browser ' +
      'tests look for Chromium at /usr/bin/chromium or at CHROMIUM_PATH.\n',
  };
}

function missingPackages() {
  return REQUIREMENTS.filter((r) => !onPath(r.command)).map((r) => r.pkg);
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
