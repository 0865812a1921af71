import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from './contracts.js';

/**
 * A small owner of named variables, for modules to build on: `add` creates a variable under a
 * stable local name, `named()` lists them in creation order, `dispose()` frees them.
 */
export class VariableStore {
  private readonly entries: NamedVariable[] = [];

  /** Creates a variable from `initial` (which the store then owns) under `name`. */
  add(name: string, initial: tf.Tensor, trainable = true): tf.Variable {
    if (this.entries.some((e) => e.name === name)) throw new Error(`variable '${name}' exists already`);
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    this.entries.push({ name, variable });
    return variable;
  }

  named(): NamedVariable[] {
    return [...this.entries];
  }

  dispose(): void {
    for (const e of this.entries) e.variable.dispose();
    this.entries.length = 0;
  }
}

/**
 * Prefixes the names of a child's variables: `prefixed('layers.0', child.namedVariables())`.
 *
 * @example
 * ```ts
 * import { Affine } from '@diffeo/bijectors';
 * import { prefixed } from '@diffeo/core';
 *
 * const layer = new Affine({ dim: 2 });
 * prefixed('layers.0', layer.namedVariables()).map((v) => v.name); // ['layers.0.logScale', 'layers.0.shift']
 * ```
 */
export function prefixed(prefix: string, vars: readonly NamedVariable[]): NamedVariable[] {
  return vars.map((v) => ({ name: `${prefix}.${v.name}`, variable: v.variable }));
}

/**
 * The trainable variables among `vars`, in order.
 *
 * @example
 * ```ts
 * import { BatchNorm } from '@diffeo/bijectors';
 * import { trainableVariables } from '@diffeo/core';
 *
 * const layer = new BatchNorm({ dim: 2 });
 * trainableVariables(layer.namedVariables()).length; // 2: logScale and shift, not the running statistics
 * ```
 */
export function trainableVariables(vars: readonly NamedVariable[]): tf.Variable[] {
  return vars.filter((v) => v.variable.trainable).map((v) => v.variable);
}
