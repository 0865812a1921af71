import { ConfigError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

/** A user's context of the transform from the input and target conditions, `[batch, contextDim]`. */
export type ContextFunction = (contextIn: tf.Tensor2D, contextOut: tf.Tensor2D) => tf.Tensor2D;

const customContexts = new Map<string, ContextFunction>();

/**
 * Registers a context function under a name, so a context config can refer to it
 * (`{ type: 'custom', name, contextDim }`) and a saved model loads again in a process that
 * registered the same name.
 *
 * @example
 * ```ts
 * import { FlowForFlow, flowsForFlowsTransform, registerContextFunction } from '@diffeo/flows4flows';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * // f sees the target condition and the squared gap to it: 2 columns from 1-column conditions.
 * registerContextFunction('target-and-gap', (cIn, cOut) =>
 *   tf.tidy(() => tf.concat([cOut, tf.square(tf.sub(cOut, cIn))], 1) as tf.Tensor2D),
 * );
 * const f4f = new FlowForFlow({
 *   transform: flowsForFlowsTransform({ dim: 2, contextDim: 2 }),
 *   left: base, // a trained conditional flow with contextDim 1
 *   context: { type: 'custom', name: 'target-and-gap', contextDim: 2 },
 *   basesTrained: true,
 * });
 * ```
 */
export function registerContextFunction(name: string, fn: ContextFunction): void {
  if (customContexts.has(name) && customContexts.get(name) !== fn) {
    throw new ConfigError(`registerContextFunction: name: a function called '${name}' is registered already`);
  }
  customContexts.set(name, fn);
}

/**
 * How the transform f is conditioned, as the paper (section 2, Figure 2) and ffflows define it.
 * `c_x` is the condition of the input rows, `c_y` the target condition.
 *
 * - `none`: f sees no context; the bases are unconditional (two different bases make ffflows'
 *   `DiscreteBaseFlowForFlow`).
 * - `difference`: f sees `c_y - c_x` (ffflows' `DeltaFlowForFlow`). Direction rule: a row whose
 *   difference is negative (in its first column) is mapped with f^-1 and the context `c_x - c_y`,
 *   so f only ever sees non-negative differences. The bases are scored at `c_y`.
 * - `pair`: f sees `(c_x, c_y)` concatenated, ordered by the same rule (`ConcatFlowForFlow`).
 * - `shared`: one condition `c = c_x = c_y` for f and both bases (ffflows'
 *   `DiscreteBaseConditionFlowForFlow`): a map between two conditional densities at the same c.
 * - `fixed`: f sees no context; the bases are conditional and scored at the fixed conditions
 *   `left` and `right` (one base at two values of its condition).
 * - `custom`: f sees `fn(c_x, c_y)` of width `contextDim`, registered with
 *   {@link registerContextFunction}; no direction rule.
 */
export const contextSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('difference') }),
  z.strictObject({ type: z.literal('pair') }),
  z.strictObject({ type: z.literal('shared') }),
  z.strictObject({
    type: z.literal('fixed'),
    left: z.array(z.number().finite()).min(1),
    right: z.array(z.number().finite()).min(1),
  }),
  z.strictObject({
    type: z.literal('custom'),
    name: z.string().min(1),
    contextDim: z.number().int().positive(),
  }),
]);

export type ContextConfig = z.input<typeof contextSchema>;
export type ContextType = ContextConfig['type'];

/** The resolved context rule of a flow for flows with bases of condition width `baseContextDim`. */
export class ContextRule {
  readonly config: z.output<typeof contextSchema>;
  /** Width of the context the transform f takes. */
  readonly transformContextDim: number;
  /** Whether rows carry conditions (`contextIn`, `contextOut`) at all. */
  readonly conditional: boolean;
  /** Whether rows are ordered by the sign of `c_y - c_x` (difference and pair). */
  readonly hasDirectionRule: boolean;
  private readonly fn: ContextFunction | undefined;

  constructor(
    config: ContextConfig,
    readonly baseContextDim: number,
  ) {
    const parsed = contextSchema.safeParse(config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`context.${issue.path.map(String).join('.')}: ${issue.message}`);
    }
    this.config = parsed.data;
    const c = this.config;
    const needsBaseContext = c.type !== 'none';
    if (needsBaseContext && baseContextDim === 0) {
      throw new ConfigError(
        `context.type: '${c.type}' needs conditional bases (contextDim > 0), got unconditional ones`,
      );
    }
    if (c.type === 'none' && baseContextDim !== 0) {
      throw new ConfigError(
        `context.type: conditional bases (contextDim ${baseContextDim}) need a context type other than 'none'`,
      );
    }
    if (c.type === 'fixed') {
      for (const side of ['left', 'right'] as const) {
        if (c[side].length !== baseContextDim) {
          throw new ConfigError(
            `context.${side}: expected ${baseContextDim} values (the bases' contextDim), got ${c[side].length}`,
          );
        }
      }
    }
    this.fn = undefined;
    if (c.type === 'custom') {
      this.fn = customContexts.get(c.name);
      if (this.fn === undefined) {
        throw new ConfigError(
          `context.name: expected a function registered with registerContextFunction (${[...customContexts.keys()].join(', ') || 'none registered'}), got '${c.name}'`,
        );
      }
    }
    this.transformContextDim =
      c.type === 'none' || c.type === 'fixed'
        ? 0
        : c.type === 'pair'
          ? 2 * baseContextDim
          : c.type === 'custom'
            ? c.contextDim
            : baseContextDim;
    this.conditional = c.type !== 'none' && c.type !== 'fixed';
    this.hasDirectionRule = c.type === 'difference' || c.type === 'pair';
  }

  /** The context f sees for rows mapped left to right, from `(c_left, c_right)`. */
  transformContext(cLeft: tf.Tensor2D | undefined, cRight: tf.Tensor2D | undefined): tf.Tensor2D | undefined {
    const c = this.config;
    if (!this.conditional) return undefined;
    const a = cLeft!;
    const b = cRight!;
    switch (c.type) {
      case 'difference':
        return tf.sub(b, a) as tf.Tensor2D;
      case 'pair':
        return tf.concat([a, b], 1) as tf.Tensor2D;
      case 'shared':
        return a;
      default: {
        const out = this.fn!(a, b);
        if (out.rank !== 2 || out.shape[0] !== a.shape[0] || out.shape[1] !== this.transformContextDim) {
          throw new ConfigError(
            `context '${(c as { name: string }).name}': expected the function to return [${a.shape[0]}, ${this.transformContextDim}], got [${out.shape.join(', ')}]`,
          );
        }
        return out;
      }
    }
  }

  /**
   * Per row, whether the map from `contextIn` to `contextOut` runs as f^-1 (the direction rule:
   * `c_out - c_in < 0` in the first column), as a boolean `[batch]` tensor; undefined when every row
   * runs as f (no rule).
   */
  reversed(contextIn: tf.Tensor2D | undefined, contextOut: tf.Tensor2D | undefined): tf.Tensor1D | undefined {
    if (!this.hasDirectionRule) return undefined;
    return tf.tidy(() => {
      const first = (t: tf.Tensor2D) => tf.reshape(tf.slice(t, [0, 0], [-1, 1]), [-1]);
      return tf.less(first(contextOut!), first(contextIn!)) as tf.Tensor1D;
    });
  }
}
