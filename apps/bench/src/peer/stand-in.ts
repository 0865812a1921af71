#!/usr/bin/env node
// The stand-in peer: `node dist/peer/stand-in.js --threads N [--allocator keep|default]`. It speaks
// the PyTorch peer's protocol (`peers/pytorch/peer.py`: a ready line, then progress lines and one
// result or error line per request read from stdin) and measures nothing: its figures follow from
// each request (`stand-in-answers.ts`), so the bench's tests need no Python. Its ready line names
// it (`"peer": "stand-in"`, no torch version), so nothing made with it passes for PyTorch.
//
// The environment steers it:
//   DIFFEO_STAND_IN_ROW_SECONDS  the seconds it claims per row (default 1e-5)
//   DIFFEO_STAND_IN_FAIL         how it breaks, to test the bench's error paths; N counts requests from 1:
//     before-ready    exits (code 3) before its ready line, a reason on stderr
//     exit:N          exits (code 3) in the middle of request N, after its first progress line
//     malformed:N     writes a line that is not JSON before its result to request N (in one write)
//     error:N         answers request N with an error message, and goes on
//     bad-result:N    answers request N with a result whose parameter count is not a number
//     miscount        counts one parameter too many in every architecture
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { PeerRequest } from './protocol.js';
import { STAND_IN_ROW_SECONDS, standInAnswer } from './stand-in-answers.js';

function send(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Stops with exit code 3 and a reason on stderr (writes to pipes are synchronous on Linux). */
function die(reason: string): never {
  process.stderr.write(`stand-in: ${reason}\n`);
  process.exit(3);
}

function failure(): { mode: string; at: number } | undefined {
  const spec = process.env.DIFFEO_STAND_IN_FAIL;
  if (spec === undefined || spec === '') return undefined;
  const [mode, at] = spec.split(':');
  const known = ['before-ready', 'exit', 'malformed', 'error', 'bad-result', 'miscount'];
  if (!known.includes(mode!)) die(`DIFFEO_STAND_IN_FAIL: expected one of ${known.join(', ')}, got '${spec}'`);
  return { mode: mode!, at: at === undefined ? 0 : Number(at) };
}

function main(): void {
  const { values } = parseArgs({
    options: { threads: { type: 'string' }, allocator: { type: 'string', default: 'keep' } },
  });
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads <= 0)
    die(`--threads: expected a positive integer, got '${values.threads}'`);
  const rowSeconds = Number(process.env.DIFFEO_STAND_IN_ROW_SECONDS ?? STAND_IN_ROW_SECONDS);
  if (!(rowSeconds > 0)) die(`DIFFEO_STAND_IN_ROW_SECONDS: expected a positive number, got '${rowSeconds}'`);
  const fail = failure();
  if (fail?.mode === 'before-ready') die('asked to fail before ready (DIFFEO_STAND_IN_FAIL=before-ready)');
  send({
    type: 'ready',
    peer: 'stand-in',
    node: process.version,
    rowSeconds,
    threads,
    allocator: values.allocator,
  });

  let count = 0;
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let request: PeerRequest;
    try {
      request = JSON.parse(line) as PeerRequest;
    } catch (e) {
      send({ type: 'error', id: null, message: `unreadable request: ${(e as Error).message}` });
      return;
    }
    count++;
    const id = request.id;
    const now = fail !== undefined && fail.at === count ? fail.mode : undefined;
    try {
      const { labels, result } = standInAnswer(request, rowSeconds);
      const progress = labels.map((label) => `${JSON.stringify({ type: 'progress', id, label })}\n`);
      if (now === 'exit') {
        process.stdout.write(progress[0]!);
        die(`asked to exit during request ${count} (DIFFEO_STAND_IN_FAIL=exit:${count})`);
      }
      if (now === 'error')
        throw new Error(`asked to fail request ${count} (DIFFEO_STAND_IN_FAIL=error:${count})`);
      if (now === 'bad-result') result.parameters = 'many';
      if (fail?.mode === 'miscount') result.parameters = (result.parameters as number) + 1;
      const answer = `${JSON.stringify({ type: 'result', id, result })}\n`;
      // A request's lines in one write, the broken one between its progress and a good result: the
      // bench reads them in one chunk and must still not take the result.
      const broken = now === 'malformed' ? ['stand-in: a line that is not JSON\n'] : [];
      process.stdout.write([...progress, ...broken, answer].join(''));
    } catch (e) {
      send({ type: 'error', id, message: `Error: ${(e as Error).message}` });
    }
  });
}

main();
