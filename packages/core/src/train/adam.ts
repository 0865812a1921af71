import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors.js';
import { ADAM_KERNEL, type AdamAttrs, adamInputs } from '../kernels/adam-kernel.js';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  /** Added to the root of the second moment. Explicit, because tf's default depends on the backend (1e-4 on webgl). */
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba) over a fixed, ordered list of variables: the moment slots are tied to the
 * list given at construction, so one optimizer serves exactly one training run. The learning rate
 * is passed at every step, which is how schedules drive it.
 */
export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly variables: readonly tf.Variable[],
    options: AdamOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    for (const [name, value] of Object.entries({ beta1: this.beta1, beta2: this.beta2 })) {
      if (!(value >= 0 && value < 1))
        throw new ConfigError(`adam.${name}: expected a number in [0, 1), got ${value}`);
    }
    if (!(this.epsilon > 0))
      throw new ConfigError(`adam.epsilon: expected a positive number, got ${this.epsilon}`);
    const zeros = (v: tf.Variable) => tf.tidy(() => tf.variable(tf.zerosLike(v), false));
    this.m = variables.map(zeros);
    this.v = variables.map(zeros);
  }

  /** The number of steps taken. */
  get iterations(): number {
    return this.t;
  }

  /** Applies one update; `grads[i]` belongs to `variables[i]`. Does not dispose the gradients. */
  step(grads: readonly tf.Tensor[], learningRate: number): void {
    if (grads.length !== this.variables.length) {
      throw new ConfigError(`grads: expected ${this.variables.length} gradients, got ${grads.length}`);
    }
    this.t += 1;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    // Bias correction folded into the step size, as in the paper's section 2.
    const alpha = (learningRate * Math.sqrt(c2)) / c1;
    const epsHat = this.epsilon * Math.sqrt(c2);
    if (this.variables.length === 0) return;
    if (tf.getKernel(ADAM_KERNEL, tf.getBackend()) !== undefined) {
      const attrs: AdamAttrs = { alpha, beta1: this.beta1, beta2: this.beta2, epsHat };
      const inputs = adamInputs(
        this.variables.map((x, i) => ({ x, m: this.m[i]!, v: this.v[i]!, g: grads[i]! })),
      );
      // One kernel for every variable: the per-kernel cost is paid once per step.
      const out = tf
        .engine()
        .runKernel(ADAM_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      this.variables.forEach((variable, i) => {
        variable.assign(out[3 * i]!);
        this.m[i]!.assign(out[3 * i + 1]!);
        this.v[i]!.assign(out[3 * i + 2]!);
      });
      tf.dispose(out);
      return;
    }
    tf.tidy(() => {
      this.variables.forEach((variable, i) => {
        const g = grads[i]!;
        const m = tf.add(tf.mul(this.m[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        variable.assign(tf.sub(variable, tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(v), epsHat))));
      });
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
