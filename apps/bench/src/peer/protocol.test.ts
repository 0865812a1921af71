import { describe, expect, it } from 'vitest';
import { parsePeerMessage, parsePeerResult } from './protocol.js';
import { PeerError } from './python.js';

describe("the peer's protocol", () => {
  it('reads every message the peer writes', () => {
    expect(
      parsePeerMessage(
        '{"type": "ready", "torch": "1.13.0a0", "python": "3.11.2", "threads": 2, "allocator": "keep"}',
      ),
    ).toEqual({
      type: 'ready',
      torch: '1.13.0a0',
      python: '3.11.2',
      threads: 2,
      allocator: 'keep',
    });
    // The stand-in names itself instead of a torch version.
    expect(
      parsePeerMessage(
        '{"type": "ready", "peer": "stand-in", "node": "v20.20.2", "rowSeconds": 1e-5, "threads": 1, "allocator": "keep"}',
      ),
    ).toEqual({
      type: 'ready',
      peer: 'stand-in',
      node: 'v20.20.2',
      rowSeconds: 1e-5,
      threads: 1,
      allocator: 'keep',
    });
    expect(parsePeerMessage('{"type": "progress", "id": 3, "label": "nsf batch 128"}')).toEqual({
      type: 'progress',
      id: 3,
      label: 'nsf batch 128',
    });
    expect(parsePeerMessage('{"type": "result", "id": 3, "result": {"parameters": 1}}')).toMatchObject({
      type: 'result',
      result: { parameters: 1 },
    });
    // An unreadable request has no id to answer to.
    expect(parsePeerMessage('{"type": "error", "id": null, "message": "unreadable request"}')).toMatchObject({
      id: null,
    });
  });

  it('fails with a PeerError that quotes what the peer wrote', () => {
    expect(() => parsePeerMessage('Traceback (most recent call last):')).toThrow(PeerError);
    expect(() => parsePeerMessage('Traceback (most recent call last):')).toThrow(
      'the peer wrote a line that is not JSON: Traceback (most recent call last):',
    );
    expect(() => parsePeerMessage('{"type": "hello"}')).toThrow(/unexpected message .*"hello"/);
    expect(() => parsePeerMessage('{"type": "progress", "id": 1}')).toThrow(PeerError);
    // A ready line that is neither the PyTorch peer's nor the stand-in's.
    expect(() => parsePeerMessage('{"type": "ready", "threads": 1, "allocator": "keep"}')).toThrow(
      /unexpected message/,
    );
    expect(() =>
      parsePeerMessage(
        '{"type": "ready", "peer": "pytorch", "node": "v20", "rowSeconds": 1, "threads": 1, "allocator": "keep"}',
      ),
    ).toThrow(PeerError);
  });

  it("checks each workload's measurements", () => {
    const step = parsePeerResult('train-step', {
      parameters: 289_464,
      cases: [
        { batch: 128, seconds: [0.012, 0.013] },
        { batch: 1024, seconds: [0.05] },
      ],
    });
    expect(step.cases.map((c) => c.batch)).toEqual([128, 1024]);
    expect(parsePeerResult('log-prob', { parameters: 3, seconds: [1.5] }).seconds).toEqual([1.5]);
    // A diverged training's NLL comes as null (JSON has no NaN) and becomes NaN.
    const ttq = parsePeerResult('time-to-quality', {
      parameters: 289_464,
      trainings: [
        {
          seed: 0,
          nll: null,
          standardError: 0.01,
          wallS: 50,
          steps: 3000,
          firstTrainLoss: 7.1,
          finalTrainLoss: null,
        },
      ],
    });
    expect(ttq.trainings[0]!.nll).toBeNaN();
    expect(ttq.trainings[0]!.finalTrainLoss).toBeNaN();
    expect(() => parsePeerResult('sample', { parameters: 3, seconds: [] })).toThrow(
      /the peer's sample result is malformed: seconds/,
    );
    expect(() => parsePeerResult('train-step', { cases: [] })).toThrow(PeerError);
    expect(() => parsePeerResult('log-prob', { parameters: 3, seconds: [-1] })).toThrow(/seconds\.0/);
  });
});
