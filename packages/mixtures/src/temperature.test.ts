import { ConfigError } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { checkTemperature, temperatureAt } from './temperature.js';

describe('temperature schedule', () => {
  it('decays exponentially from initial to final over decayEpochs, then stays at final', () => {
    const s = { initial: 8, final: 1, decayEpochs: 30 };
    expect(temperatureAt(s, 0)).toBe(8);
    // (1/8)^(1/3) = 1/2 per 10 epochs: 8, 4, 2, 1.
    expect(temperatureAt(s, 10)).toBeCloseTo(4, 12);
    expect(temperatureAt(s, 20)).toBeCloseTo(2, 12);
    expect(temperatureAt(s, 30)).toBeCloseTo(1, 12);
    expect(temperatureAt(s, 90)).toBeCloseTo(1, 12);
    // Constant ratio between equal steps: exponential, not linear.
    expect(temperatureAt(s, 5) / temperatureAt(s, 0)).toBeCloseTo(
      temperatureAt(s, 15) / temperatureAt(s, 10),
      12,
    );
  });

  it('defaults to 5 -> 1 over half of the run', () => {
    expect(temperatureAt({}, 0, 100)).toBe(5);
    expect(temperatureAt({}, 25, 100)).toBeCloseTo(Math.sqrt(5), 12);
    expect(temperatureAt({}, 50, 100)).toBeCloseTo(1, 12);
  });

  it('rejects bad temperatures and schedules with a ConfigError naming the field', () => {
    for (const t of [0, -2, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => checkTemperature('temperature', t)).toThrow(ConfigError);
    }
    expect(() => temperatureAt({ initial: 0 }, 1)).toThrow(/temperature\.initial/);
    expect(() => temperatureAt({ final: -1 }, 1)).toThrow(/temperature\.final/);
    expect(() => temperatureAt({ decayEpochs: 0 }, 1)).toThrow(/temperature\.decayEpochs/);
    expect(() => temperatureAt({ steps: 3 } as never, 1)).toThrow(ConfigError);
  });
});
