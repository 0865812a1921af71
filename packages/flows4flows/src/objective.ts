import {
  type Batch,
  ConfigError,
  guarded,
  type NamedVariable,
  prefixed,
  ShapeError,
  type Trainable,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import type { FlowForFlow } from './flow-for-flow.js';
import { DistancePenalty, type PenaltyConfig } from './penalty.js';

/** Which data a training step uses: one side, both sides alternating step by step, or both at once. */
export type TrainingDirection = 'left-to-right' | 'right-to-left' | 'alternate' | 'both';

export interface ObjectiveOptions {
  /**
   * `alternate` (default, the paper trains both directions): even steps take left rows through f and
   * score them under the right base, odd steps take right rows through f^-1 under the left base.
   * `both`: the mean of the two losses every step.
   */
  direction?: TrainingDirection;
  /** A distance penalty on |f(x) - x| added to the negative log-likelihood. */
  penalty?: PenaltyConfig;
  /** Train the bases together with f (default false: the bases are frozen). */
  trainBases?: boolean;
  /** Steps of the run, for the penalty's cosine annealing (pass fit's `steps`). */
  totalSteps?: number;
}

/**
 * The training objective of a flow for flows, what `fit` trains: its `namedVariables()` are f's
 * variables only (plus the bases' with `trainBases`), so frozen bases are never changed.
 *
 * A batch holds left and right rows side by side: `x` is `[n, 2 * dim]` (`[x_left | x_right]`) and,
 * for conditional modes, `context` is `[n, 2 * contextDim]` (`[c_left | c_right]`); build it with
 * {@link pairData}. A left row's target condition is the right row's condition beside it, and the
 * other way round.
 */
export class FlowForFlowObjective implements Trainable {
  readonly penalty: DistancePenalty | undefined;
  readonly direction: TrainingDirection;
  readonly trainBases: boolean;
  private readonly totalSteps: number | undefined;
  private steps = 0;
  private training = false;

  constructor(
    readonly model: FlowForFlow,
    options: ObjectiveOptions = {},
  ) {
    this.direction = options.direction ?? 'alternate';
    if (!['left-to-right', 'right-to-left', 'alternate', 'both'].includes(this.direction)) {
      throw new ConfigError(
        `direction: expected 'left-to-right', 'right-to-left', 'alternate' or 'both', got '${String(this.direction)}'`,
      );
    }
    this.penalty = options.penalty === undefined ? undefined : new DistancePenalty(options.penalty);
    this.trainBases = options.trainBases ?? false;
    if (
      options.totalSteps !== undefined &&
      !(Number.isInteger(options.totalSteps) && options.totalSteps > 0)
    ) {
      throw new ConfigError(`totalSteps: expected a positive integer, got ${options.totalSteps}`);
    }
    this.totalSteps = options.totalSteps;
    if (this.penalty?.config.anneal !== undefined && this.totalSteps === undefined) {
      throw new ConfigError('totalSteps: an annealed penalty needs the number of training steps, got none');
    }
    model.assertUsable('objective');
    if (!this.trainBases && !model.basesTrained) {
      throw new ConfigError(
        'bases: expected trained bases to freeze (train them, then call markBasesTrained() or pass basesTrained: true), got untrained ones; or pass trainBases: true',
      );
    }
  }

  /** f's variables, and the bases' when they are trained jointly: exactly what fit trains. */
  namedVariables(): NamedVariable[] {
    const m = this.model;
    return [
      ...prefixed('transform', m.transform.namedVariables()),
      ...(this.trainBases
        ? [
            ...prefixed('left', m.left.namedVariables()),
            ...(m.sharedBase ? [] : prefixed('right', m.right.namedVariables())),
          ]
        : []),
    ];
  }

  setTraining(training: boolean): void {
    this.training = training;
    this.model.transform.setTraining?.(training);
    if (this.trainBases) {
      this.model.left.setTraining?.(training);
      this.model.right.setTraining?.(training);
    }
  }

  /** The penalty weight at the current step. */
  get penaltyWeight(): number {
    return this.penalty?.weightAt(this.steps, this.totalSteps) ?? 0;
  }

  /** Mean over rows of -log p + penalty for one side of the batch. */
  private sideLoss(batch: Batch, side: 'left' | 'right'): tf.Scalar {
    const m = this.model;
    const d = m.dim;
    const cd = m.contextDim;
    const half = (t: tf.Tensor2D, width: number, which: 'left' | 'right') =>
      tf.slice(t, [0, which === 'left' ? 0 : width], [-1, width]) as tf.Tensor2D;
    const x = half(batch.x, d, side);
    const other = side === 'left' ? 'right' : 'left';
    const c = batch.context;
    const contexts =
      !m.rule.conditional || c === undefined
        ? {}
        : m.rule.config.type === 'shared'
          ? { contextIn: half(c, cd, side) }
          : { contextIn: half(c, cd, side), contextOut: half(c, cd, other) };
    const direction = m.rule.hasDirectionRule
      ? {}
      : { direction: side === 'left' ? 'left-to-right' : 'right-to-left' };
    const groups = m.groups('loss', x, { ...contexts, ...(direction as object) });
    const weight = this.penaltyWeight;
    const penalty =
      this.penalty === undefined || weight === 0
        ? undefined
        : (input: tf.Tensor2D, output: tf.Tensor2D) => this.penalty!.value(input, output, weight);
    const terms = groups.map((g) => m.groupLogProb(g, penalty));
    return tf.neg(tf.mean(terms.length === 1 ? terms[0]! : tf.concat(terms))) as tf.Scalar;
  }

  loss(batch: Batch): tf.Scalar {
    const m = this.model;
    const d = m.dim;
    if (batch.x.rank !== 2 || batch.x.shape[1] !== 2 * d) {
      throw new ShapeError(
        `flows-for-flows.loss: x: expected [batch, ${2 * d}] (left and right rows side by side, see pairData), got [${batch.x.shape.join(', ')}]`,
      );
    }
    const cd = m.contextDim;
    const wantContext = m.rule.conditional;
    if (wantContext && (batch.context === undefined || batch.context.shape[1] !== 2 * cd)) {
      throw new ShapeError(
        `flows-for-flows.loss: context: expected [batch, ${2 * cd}] (left and right conditions side by side), got ${batch.context === undefined ? 'none' : `[${batch.context.shape.join(', ')}]`}`,
      );
    }
    if (!wantContext && batch.context !== undefined) {
      throw new ShapeError(
        `flows-for-flows.loss: context: the '${m.rule.config.type}' context takes no conditions, but a context was given`,
      );
    }
    // One finiteness check of the batch here instead of one per part inside.
    const value = guarded(
      [
        ['flows-for-flows.loss: x', batch.x],
        ['flows-for-flows.loss: context', batch.context],
      ],
      () =>
        tf.tidy(() => {
          const side =
            this.direction === 'left-to-right' || (this.direction === 'alternate' && this.steps % 2 === 0)
              ? 'left'
              : 'right';
          const loss =
            this.direction === 'both'
              ? (tf.mul(
                  tf.add(this.sideLoss(batch, 'left'), this.sideLoss(batch, 'right')),
                  0.5,
                ) as tf.Scalar)
              : this.sideLoss(batch, side);
          // A step on one side scores under one base only; fit needs a gradient for every variable it
          // trains, so the other base's variables enter with weight 0 when the bases train jointly.
          const unused =
            !this.trainBases || this.direction === 'both' || m.sharedBase
              ? undefined
              : side === 'left'
                ? m.left
                : m.right;
          if (unused === undefined) return loss;
          return unused
            .namedVariables()
            .reduce((sum, v) => tf.add(sum, tf.mul(tf.sum(v.variable), 0)), loss as tf.Tensor) as tf.Scalar;
        }),
    );
    // Only training steps advance the alternation and the annealing (validation runs in evaluation mode).
    if (this.training) this.steps += 1;
    return value;
  }
}

/**
 * The objective of a flow for flows; see {@link FlowForFlowObjective}.
 *
 * @example
 * ```ts
 * import { fit } from '@diffeo/core';
 * import { FlowForFlow, flowForFlowObjective, flowsForFlowsTransform, pairData } from '@diffeo/flows4flows';
 *
 * // left, right: flows trained on xLeft and xRight
 * const f4f = new FlowForFlow({ transform: flowsForFlowsTransform({ dim: 2 }), left, right, basesTrained: true });
 * const objective = flowForFlowObjective(f4f, { penalty: { type: 'l1', weight: 1 }, totalSteps: 500 });
 * await fit(objective, pairData({ x: xLeft }, { x: xRight }), { steps: 500, learningRate: 1e-3 });
 * const moved = f4f.transport(xLeft); // left to right
 * ```
 */
export function flowForFlowObjective(
  model: FlowForFlow,
  options: ObjectiveOptions = {},
): FlowForFlowObjective {
  return new FlowForFlowObjective(model, options);
}

/** Rows of one side: `[n, dim]` data and, for conditional models, `[n, contextDim]` conditions. */
export interface SideData {
  x: tf.Tensor2D;
  context?: tf.Tensor2D;
}

/**
 * Puts left and right rows side by side for {@link FlowForFlowObjective}: `x = [x_left | x_right]`
 * (and `context = [c_left | c_right]`), using the first `min(n_left, n_right)` rows of each. The
 * caller disposes the result.
 *
 * @example
 * ```ts
 * import { pairData } from '@diffeo/flows4flows';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const left = { x: tf.randomNormal([100, 2]) as tf.Tensor2D, context: tf.zeros([100, 1]) as tf.Tensor2D };
 * const right = { x: tf.randomNormal([80, 2]) as tf.Tensor2D, context: tf.ones([80, 1]) as tf.Tensor2D };
 * const batch = pairData(left, right); // x [80, 4] = [x_left | x_right], context [80, 2]
 * ```
 */
export function pairData(left: SideData, right: SideData): Batch {
  const n = Math.min(left.x.shape[0], right.x.shape[0]);
  if (left.x.shape[1] !== right.x.shape[1]) {
    throw new ShapeError(
      `pairData: right.x: expected [n, ${left.x.shape[1]}] (the left rows' width), got [${right.x.shape.join(', ')}]`,
    );
  }
  if ((left.context === undefined) !== (right.context === undefined)) {
    throw new ShapeError(
      'pairData: context: expected conditions on both sides or on neither, got them on one side',
    );
  }
  return tf.tidy(() => {
    const top = (t: tf.Tensor2D) => tf.slice(t, [0, 0], [n, -1]);
    const x = tf.concat([top(left.x), top(right.x)], 1) as tf.Tensor2D;
    if (left.context === undefined || right.context === undefined) return { x };
    return { x, context: tf.concat([top(left.context), top(right.context)], 1) as tf.Tensor2D };
  });
}
