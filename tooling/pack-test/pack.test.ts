// How users install Diffeo: single packages from the registry. This packs every package under
// packages/ with `pnpm pack` (workspace versions rewritten as pnpm publishes them), installs the
// tarballs with npm into a scratch project outside the workspace, and runs a plain Node script
// against them. It proves the exports maps, `files` and dependencies are right.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'diffeo-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function pnpm(args: string[], cwd: string): string {
  // Under `pnpm test`, npm_execpath is pnpm's own entry point.
  const execPath = process.env.npm_execpath;
  if (execPath?.includes('pnpm'))
    return execFileSync(process.execPath, [execPath, ...args], { cwd, encoding: 'utf8' });
  return execFileSync('pnpm', args, { cwd, encoding: 'utf8' });
}

it('installs every package from its tarball and runs in plain Node', () => {
  const packagesDir = join(root, 'packages');
  const tarballs: Record<string, string> = {};
  for (const dir of readdirSync(packagesDir)) {
    const pkgDir = join(packagesDir, dir);
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    const out = pnpm(['pack', '--pack-destination', scratch], pkgDir).trim().split('\n').at(-1)!;
    tarballs[manifest.name] = `file:${join(scratch, out.split('/').at(-1)!)}`;
  }
  expect(Object.keys(tarballs)).toContain('@diffeo/core');
  const project = join(scratch, 'project');
  cpSync(join(root, 'tooling', 'pack-test', 'fixture'), project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'scratch',
      private: true,
      type: 'module',
      dependencies: tarballs,
      overrides: tarballs,
    }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    stdio: 'pipe',
  });
  const stdout = execFileSync(process.execPath, ['smoke.mjs', ...Object.keys(tarballs)], {
    cwd: project,
    encoding: 'utf8',
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
  expect(result.imported.sort()).toEqual(Object.keys(tarballs).sort());
  expect(result.checks.length).toBeGreaterThan(0);
  for (const check of result.checks) expect(check, check.name).toMatchObject({ ok: true });

  // Every runnable (```js) example of every package README runs as written against the tarballs.
  for (const dir of readdirSync(packagesDir)) {
    const readme = readFileSync(join(packagesDir, dir, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
    blocks.forEach((code, i) => {
      if (!code.includes('import ')) return;
      const file = join(project, `readme-${dir}-${i}.mjs`);
      writeFileSync(file, code);
      try {
        execFileSync(process.execPath, [file], { cwd: project, stdio: 'pipe', encoding: 'utf8' });
      } catch (e) {
        const err = e as { stderr?: string };
        expect.fail(`packages/${dir}/README.md example ${i + 1} failed:\n${err.stderr ?? String(e)}`);
      }
    });
  }
});
