import { ConfigError } from '@diffeo/core';
import { z } from 'zod';

/**
 * The posterior's softmax temperature over training (Pires and Figueiredo, section 4, after Zhang
 * et al. 2017): the logits of q(z|x) are divided by T, which decays exponentially from `initial` to
 * `final` over the first `decayEpochs` epochs and then stays at `final`:
 * T(e) = initial · (final / initial)^min(e / decayEpochs, 1), for fractional epochs e. A high T
 * keeps q near uniform at first, so every component sees all of the data before the posterior
 * commits. The paper gives no constants; the defaults here (5 to 1) are ours.
 */
export const temperatureScheduleSchema = z.strictObject({
  initial: z.number().positive().finite().default(5),
  final: z.number().positive().finite().default(1),
  /** Epochs over which T decays; default: half of the training run. */
  decayEpochs: z.number().positive().finite().optional(),
});

/** What {@link temperatureAt} takes (fields with defaults are optional). */
export type TemperatureSchedule = z.input<typeof temperatureScheduleSchema>;

/**
 * Checks a temperature: a finite number > 0.
 *
 * @example
 * ```ts
 * import { checkTemperature } from '@diffeo/mixtures';
 *
 * checkTemperature('temperature', 0.5); // 0.5
 * checkTemperature('temperature', 0); // ConfigError: temperature: expected a finite temperature > 0, got 0
 * ```
 */
export function checkTemperature(name: string, t: number): number {
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
    throw new ConfigError(`${name}: expected a finite temperature > 0, got ${String(t)}`);
  }
  return t;
}

/** Parses a schedule into its full form, with `decayEpochs` defaulting to half of `totalEpochs`. */
export function parseTemperatureSchedule(
  schedule: TemperatureSchedule | undefined,
  totalEpochs: number,
): Required<z.output<typeof temperatureScheduleSchema>> {
  const parsed = temperatureScheduleSchema.safeParse(schedule ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`temperature.${issue.path.join('.')}: ${issue.message}`);
  }
  return { ...parsed.data, decayEpochs: parsed.data.decayEpochs ?? Math.max(totalEpochs / 2, 1e-9) };
}

/**
 * The temperature at (fractional) epoch `epoch` of the schedule.
 *
 * @example
 * ```ts
 * temperatureAt({ initial: 4, final: 1, decayEpochs: 10 }, 5); // 2
 * ```
 */
export function temperatureAt(schedule: TemperatureSchedule, epoch: number, totalEpochs = 1): number {
  const { initial, final, decayEpochs } = parseTemperatureSchedule(schedule, totalEpochs);
  if (!(epoch >= 0)) throw new ConfigError(`epoch: expected a number >= 0, got ${epoch}`);
  const progress = Math.min(epoch / decayEpochs, 1);
  return initial * (final / initial) ** progress;
}
