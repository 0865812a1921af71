import { useBackend } from '@diffeo/core';
import { ARCHS } from './dist/models.js';
import { withTrainStep } from './dist/workloads/train-step.js';
await useBackend('wasm', { threads: Number(process.argv[2]) });
const nsf = ARCHS.find((a) => a.id === 'nsf');
for (const bs of [128, 1024]) {
  await withTrainStep(nsf, bs, async (step) => {
    const n = bs === 128 ? 300 : 50;
    const ts = [];
    for (let i = 0; i < n; i++) { const t0 = performance.now(); await step(); ts.push(performance.now() - t0); }
    const s = ts.slice(20).sort((x, y) => x - y);
    const q = (p) => s[Math.floor(p * (s.length - 1))].toFixed(1);
    console.log(process.argv[2], bs, 'p10', q(0.1), 'p50', q(0.5), 'p90', q(0.9), 'mean', (s.reduce((a, b) => a + b) / s.length).toFixed(1));
  });
}
