// build-wasm.mjs refuses a module whose exports differ from the TypeScript interface that calls
// them; the committed module passes that check (without a C compiler), and a mismatch is named.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { exportMismatches, interfaceMethods } from '../scripts/check-exports.mjs';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const source = readFileSync(`${pkg}/src/kernels/wasm-module.ts`, 'utf8');
const generated = readFileSync(`${pkg}/src/kernels/kernels-wasm.gen.ts`, 'utf8');

function modules(): Buffer[] {
  return [...generated.matchAll(/export const KERNELS_WASM(?:_SHARED)? = '([^']+)'/g)].map((m) =>
    Buffer.from(m[1]!, 'base64'),
  );
}

describe('the wasm kernels against interface WasmKernels', () => {
  it('export exactly the typed functions, in both builds', () => {
    expect(interfaceMethods(source)).toContain('rq_spline_grad');
    expect(modules()).toHaveLength(2);
    for (const bytes of modules()) expect(exportMismatches(bytes, source)).toEqual([]);
  });

  it('name a function typed but not exported, and one exported but not typed', () => {
    const renamed = source.replace('  relu(n: number', '  relu6(n: number');
    expect(exportMismatches(modules()[0]!, renamed)).toEqual([
      "wasm exports 'relu', which interface WasmKernels does not declare",
      "interface WasmKernels declares 'relu6', which the wasm module does not export",
    ]);
  });
});
