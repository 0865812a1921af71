import type { NamedVariable } from '../contracts.js';
import type { NonFiniteError } from '../errors.js';
import { WeightSnapshot } from './snapshot.js';

/**
 * `fit`'s guard against a non-finite or diverging step. Its verdict on a step comes one step late
 * (the loss and gradient norm are read back while the next step runs), by which time that step's
 * update is applied and the next one's gradients are taken. So it holds the weights two steps
 * back: those the last passing step was evaluated at (put back when a step fails; the initial
 * weights before any passed), and those of the step awaiting its verdict (the next to restore once
 * it passes). A snapshot shares the variables' tensors rather than copying them: holding one costs
 * memory (a set of weights kept alive), not time.
 */
export class StepGuard {
  private lowest = Number.POSITIVE_INFINITY;
  private passed: WeightSnapshot;
  private pending: WeightSnapshot;

  constructor(
    vars: readonly NamedVariable[],
    private readonly divergence: number | false,
  ) {
    this.passed = new WeightSnapshot(vars);
    this.pending = new WeightSnapshot(vars);
  }

  /** Holds the current weights: those the step about to be applied was evaluated at. */
  hold(): void {
    this.pending.take();
  }

  /**
   * The verdict on the step last held (or, with `thrown`, on a step whose loss threw): `undefined`
   * when it passes, and its weights become the ones to restore; otherwise what went wrong.
   */
  judge(loss: number, gradNorm: number, thrown?: NonFiniteError): string | undefined {
    const lowest = this.lowest;
    const limit = this.divergence;
    const diverged =
      limit !== false && Number.isFinite(lowest) && loss > lowest + limit * Math.max(1, Math.abs(lowest));
    if (thrown === undefined && Number.isFinite(loss) && Number.isFinite(gradNorm) && !diverged) {
      this.lowest = Math.min(lowest, loss);
      [this.passed, this.pending] = [this.pending, this.passed];
      return undefined;
    }
    if (diverged) return `loss ${loss} diverged (the lowest so far was ${lowest}; limit divergence ${limit})`;
    if (thrown !== undefined) return `loss NaN (${thrown.message})`;
    return Number.isFinite(loss) ? `gradient norm ${gradNorm}` : `loss ${loss}`;
  }

  /** Puts back the weights of the last step that passed (the initial ones if none did). */
  restore(): void {
    this.passed.restore();
  }

  dispose(): void {
    this.passed.dispose();
    this.pending.dispose();
  }
}
