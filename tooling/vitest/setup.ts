// Runs before every test file: selects the backend this vitest project tests on.
import { useBackend } from '../../packages/core/src/index.ts';

const backend = process.env.DIFFEO_BACKEND ?? 'cpu';
if (backend !== 'cpu' && backend !== 'wasm')
  throw new Error(`DIFFEO_BACKEND=${backend}: expected cpu or wasm`);
await useBackend(backend);
