// What a browser bundle sees: `#digits-table` resolves to the lazy stand-in, so the table arrives
// only with loadDigits(). Its own file, so that its module state starts with no table.
import { ConfigError } from '@diffeo/core';
import { expect, it, vi } from 'vitest';
import { Digits, loadDigits } from './digits.js';

vi.mock('#digits-table', () => import('./lazy-table.js'));

it('knows its size before the table loads, and samples only after loadDigits (browser bundles)', async () => {
  const digits = new Digits({ digits: [3, 8] });
  expect(digits.size).toBe(183 + 174);
  expect(digits.numClasses).toBe(9);
  expect(() => digits.sample(2, { seed: 0 })).toThrow(ConfigError);
  expect(() => digits.sample(2, { seed: 0 })).toThrow(/await loadDigits\(\)/);
  await Promise.all([loadDigits(), loadDigits()]);
  const data = digits.sample(digits.size, { seed: 0 });
  expect(data.n).toBe(357);
  expect(new Set(data.labels)).toEqual(new Set([3, 8]));
  const loaded = await Digits.load({ digits: [1] });
  expect(loaded.sample(loaded.size, { seed: 1 }).labels!.every((l) => l === 1)).toBe(true);
});
