// The exports of the compiled kernels against the TypeScript interface that calls them
// (`WasmKernels` in src/kernels/wasm-module.ts): a function added in C but not typed, or typed but
// renamed or dropped in C, fails the build instead of failing at run time.

/** The method names of `interface WasmKernels { ... }` in the TypeScript source `text`. */
export function interfaceMethods(text) {
  const start = text.indexOf('export interface WasmKernels {');
  if (start < 0) throw new Error('src/kernels/wasm-module.ts: interface WasmKernels not found');
  const body = text.slice(start, text.indexOf('\n}\n', start));
  return [...body.matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]).sort();
}

/** The names of the functions `bytes` (a wasm module) exports. */
export function moduleFunctions(bytes) {
  return WebAssembly.Module.exports(new WebAssembly.Module(bytes))
    .filter((e) => e.kind === 'function')
    .map((e) => e.name)
    .sort();
}

/** The differences between the two, as messages; empty when they agree. */
export function exportMismatches(bytes, interfaceText) {
  const exported = moduleFunctions(bytes);
  const typed = interfaceMethods(interfaceText);
  return [
    ...exported
      .filter((name) => !typed.includes(name))
      .map((name) => `wasm exports '${name}', which interface WasmKernels does not declare`),
    ...typed
      .filter((name) => !exported.includes(name))
      .map((name) => `interface WasmKernels declares '${name}', which the wasm module does not export`),
  ];
}
