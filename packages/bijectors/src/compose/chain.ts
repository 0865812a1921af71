import {
  type Bijector,
  type BijectorOutput,
  ConfigError,
  DiffeoError,
  definePlugin,
  type JsonObject,
  type NamedVariable,
  prefixed,
  type Registry,
  specConfigSchema,
  specOf,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector } from '../base.js';

const schema = z.strictObject({
  /** The bijectors in generative order, as nested specs `{ kind: 'bijector', type, config }`. */
  bijectors: z.array(specConfigSchema).min(1),
});

/** Config of {@link Chain}: nested specs of its bijectors, in generative order. */
export type ChainConfig = z.input<typeof schema>;

/** Builds nested bijector specs through `registry`; disposes the ones built when a later one fails. */
export function buildBijectors(
  specs: readonly z.output<typeof specConfigSchema>[],
  registry: Registry,
  label: (i: number) => string,
): Bijector[] {
  const built: Bijector[] = [];
  try {
    for (const [i, spec] of specs.entries()) {
      if (spec.kind !== 'bijector') {
        throw new ConfigError(`${label(i)}.kind: expected 'bijector', got '${spec.kind}'`);
      }
      try {
        built.push(registry.create<Bijector>(spec));
      } catch (e) {
        // Same error class, with the child's position in front, so a deep config error is findable.
        if (e instanceof DiffeoError) {
          const ErrorClass = e.constructor as new (message: string) => DiffeoError;
          throw new ErrorClass(`${label(i)}: ${e.message}`);
        }
        throw e;
      }
    }
  } catch (e) {
    for (const b of built) b.dispose();
    throw e;
  }
  return built;
}

/** The shared context size of some bijectors: each must have 0 or the same contextDim. */
export function sharedContextDim(bijectors: readonly Bijector[], where: string): number {
  let contextDim = 0;
  for (const [i, b] of bijectors.entries()) {
    if (b.contextDim === 0) continue;
    if (contextDim !== 0 && b.contextDim !== contextDim) {
      throw new ConfigError(
        `${where}[${i}].contextDim: expected 0 or ${contextDim} (the other conditional bijectors'), got ${b.contextDim}`,
      );
    }
    contextDim = b.contextDim;
  }
  return contextDim;
}

function checkChildren(bijectors: readonly Bijector[]): number {
  if (bijectors.length === 0)
    throw new ConfigError('chain.bijectors: expected at least one bijector, got none');
  const dim = bijectors[0]!.dim;
  for (const [i, b] of bijectors.entries()) {
    if (b.dim !== dim) {
      throw new ConfigError(
        `chain.bijectors[${i}].dim: expected ${dim} (the dim of bijectors[0]), got ${b.dim}`,
      );
    }
    const j = bijectors.indexOf(b);
    if (j !== i)
      throw new ConfigError(`chain.bijectors[${i}]: the same object as bijectors[${j}]; build a new one`);
  }
  return dim;
}

/**
 * The composition of bijectors, in generative order:
 * `new Chain([a, b, c]).forward(u)` computes `c.forward(b.forward(a.forward(u)))` (like nflows'
 * `CompositeTransform` and zuko's `ComposedTransform`), and `inverse(x)` runs
 * `a.inverse(b.inverse(c.inverse(x)))`; the log-determinants add up. So in a flow the first
 * bijector sits next to the base distribution and the last one next to the data.
 *
 * All bijectors must have the same `dim`. A context is passed to every conditional child (those
 * with `contextDim > 0`, which must all agree; the chain's `contextDim` is theirs, or 0). The chain
 * owns its children: `setTraining` and `dispose` reach them, and `namedVariables` lists theirs
 * prefixed by their position (`'0.logScale'`, `'1.lower'`, ...).
 *
 * From a config, the children are nested specs built through the registry, so any registered
 * bijector, a user's own included, can be part of a chain; `getConfig()` gives the children's
 * specs back (from their own `getConfig()`).
 *
 * @example
 * ```ts
 * const chain = new Chain([new ActNorm({ dim: 2 }), new LULinear({ dim: 2 }), new PReLU({ dim: 2 })]);
 * // the same, from a config:
 * const again = create<Chain>({ kind: 'bijector', type: 'chain', config: chain.getConfig() });
 * ```
 */
export class Chain extends BaseBijector {
  readonly type = 'chain';
  readonly bijectors: readonly Bijector[];

  constructor(bijectors: readonly Bijector[]) {
    const dim = checkChildren(bijectors);
    super(dim, sharedContextDim(bijectors, 'chain.bijectors'));
    this.bijectors = [...bijectors];
  }

  protected _forward(u: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    return this.compose(u, context, [...this.bijectors], (b, a, c) => b.forward(a, c));
  }

  protected _inverse(x: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    return this.compose(x, context, [...this.bijectors].reverse(), (b, a, c) => b.inverse(a, c));
  }

  private compose(
    input: tf.Tensor2D,
    context: tf.Tensor2D | undefined,
    order: Bijector[],
    step: (b: Bijector, a: tf.Tensor2D, c: tf.Tensor2D | undefined) => BijectorOutput,
  ): BijectorOutput {
    let y = input;
    let logDet: tf.Tensor1D | undefined;
    for (const b of order) {
      const out = step(b, y, b.contextDim > 0 ? context : undefined);
      y = out.y;
      logDet = logDet === undefined ? out.logDet : (tf.add(logDet, out.logDet) as tf.Tensor1D);
    }
    return { y, logDet: logDet! };
  }

  getConfig(): JsonObject {
    return { bijectors: this.bijectors.map((b) => specOf(b) as unknown as JsonObject) };
  }

  override namedVariables(): NamedVariable[] {
    return this.bijectors.flatMap((b, i) => prefixed(String(i), b.namedVariables()));
  }

  override setTraining(training: boolean): void {
    super.setTraining(training);
    for (const b of this.bijectors) b.setTraining?.(training);
  }

  override dispose(): void {
    for (const b of this.bijectors) b.dispose();
    super.dispose();
  }
}

/** The `chain` bijector plugin: builds the nested bijector specs through the registry. */
export const chainPlugin = definePlugin({
  kind: 'bijector',
  type: 'chain',
  description: 'Composition of bijectors in generative order (the last one is next to the data)',
  schema,
  create: (config, ctx) => {
    const children = buildBijectors(config.bijectors, ctx.registry, (i) => `chain.bijectors[${i}]`);
    try {
      return new Chain(children);
    } catch (e) {
      for (const b of children) b.dispose();
      throw e;
    }
  },
});
