import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Where the browser bundle is written by scripts/bundle-browser.mjs. */
export const bundleDir = fileURLToPath(new URL('../../dist/browser/', import.meta.url));

/** The directory holding tfjs-backend-wasm's three .wasm files. */
export function wasmDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Diffeo bench</title></head>
<body><script type="module" src="/bench.js"></script></body></html>`;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
};

/**
 * A static server on 127.0.0.1 for the browser runner: the page, the bundle and the wasm files.
 * Every response is cross-origin isolated (COOP + COEP), which is what lets tfjs's wasm backend
 * use threads (SharedArrayBuffer).
 */
export async function startServer(): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const wasm = wasmDir();
  const server = createServer(async (req, res) => {
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let file: string | undefined;
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.html']! });
      res.end(PAGE);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    const name = path.basename(url.pathname);
    if (url.pathname.startsWith('/wasm/') && name.endsWith('.wasm')) file = path.join(wasm, name);
    else if (url.pathname === `/${name}` && /^bench\.js(\.map)?$/.test(name))
      file = path.join(bundleDir, name);
    if (file === undefined) {
      res.writeHead(404, headers);
      res.end('not found');
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        ...headers,
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      });
      res.end(body);
    } catch {
      res.writeHead(404, headers);
      res.end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
