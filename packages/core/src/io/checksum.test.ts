import { describe, expect, it } from 'vitest';
import { canonicalJson, crc32, crc32Text } from './checksum.js';

describe('crc32', () => {
  it('gives the standard check values', () => {
    // The CRC-32 catalogue's check value for '123456789', and zlib's crc32 of the empty input.
    expect(crc32Text('123456789')).toBe('cbf43926');
    expect(crc32(new Uint8Array(0))).toBe('00000000');
    expect(crc32Text('The quick brown fox jumps over the lazy dog')).toBe('414fa339');
  });

  it('changes with one flipped bit', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const before = crc32(bytes);
    bytes[3]! ^= 0x40;
    expect(crc32(bytes)).not.toBe(before);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"e":3,"f":2}]},"b":1}',
    );
  });
});
