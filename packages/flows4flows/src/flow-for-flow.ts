import {
  assertBatch,
  type Bijector,
  ConfigError,
  type Distribution,
  definePlugin,
  formatShape,
  guarded,
  type JsonObject,
  type Module,
  type NamedVariable,
  prefixed,
  ShapeError,
  specConfigSchema,
  specOf,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { type ContextConfig, ContextRule, contextSchema } from './context.js';

/** Which way rows go: left data to the right distribution (f), or right data to the left (f^-1). */
export type Direction = 'left-to-right' | 'right-to-left';

export interface FlowForFlowOptions {
  /** The map f from the left distribution to the right one (any bijector). */
  transform: Bijector;
  /** The density of the left data (a trained flow). */
  left: Distribution;
  /** The density of the right data; omitted: the left one (one flow for both sides). */
  right?: Distribution;
  /** How f and the bases are conditioned (default `{ type: 'none' }`). */
  context?: ContextConfig;
  /**
   * Whether the bases are trained (default false). Training f against frozen bases refuses
   * untrained ones; {@link FlowForFlow.markBasesTrained} sets it after training them.
   */
  basesTrained?: boolean;
}

/** Conditions of a transport: the input rows' condition and the target condition. */
export interface TransportOptions {
  /** `left-to-right` (default) or `right-to-left`; decided per row by the rule in difference and pair modes. */
  direction?: Direction;
  /** `[batch, contextDim]` (or one row) condition of the input rows. */
  contextIn?: tf.Tensor2D;
  /** `[batch, contextDim]` (or one row) target condition; not for the `shared` mode. */
  contextOut?: tf.Tensor2D;
  /** Rows per chunk (default 4096): any number of rows, bounded memory. */
  chunkSize?: number;
}

/** The image of each row with log|det| of the map performed and the side each row lands on. */
export interface MappedRows {
  y: tf.Tensor2D;
  logDet: tf.Tensor1D;
}

/** One group of rows that go the same way, as the loss and the transports use it. */
export interface RowGroup {
  /** Rows of the batch in this group (undefined: all rows, in order). */
  rows: Int32Array | undefined;
  /** Whether these rows run through f^-1 (and land on the left base). */
  reversed: boolean;
  x: tf.Tensor2D;
  /** Input and target conditions of these rows, when conditional. */
  contextIn: tf.Tensor2D | undefined;
  contextOut: tf.Tensor2D | undefined;
}

/**
 * A flow for flows (Klein, Raine, Golling 2022, "Flows for Flows"): an invertible map f from the
 * left data distribution to the right one whose base densities are themselves flows, so f is
 * trained by exact maximum likelihood. Directions:
 *
 * - left to right: x -> y = f(x), scored under the right base: log p(x) = log p_R(f(x)) + log|det df/dx|;
 * - right to left: y -> x = f^-1(y), scored under the left base.
 *
 * In Diffeo's bijector convention f's `forward` is left to right (the right data is "generated" from
 * the left). Conditions follow {@link ContextRule}: in the `difference` and `pair` modes each row's
 * direction comes from the sign of `c_out - c_in`, so f only ever sees non-negative differences.
 *
 * The bases are frozen by default: {@link flowForFlowObjective} trains only f's variables.
 *
 * @example
 * ```ts
 * const f4f = new FlowForFlow({ transform: flowsForFlowsTransform({ dim: 2 }), left, right, basesTrained: true });
 * await fit(flowForFlowObjective(f4f, { penalty: { type: 'l1', weight: 1 } }), pairData(xLeft, xRight), { epochs: 5 });
 * const y = f4f.transport(xLeft);            // left to right
 * const back = f4f.inverseTransport(y);      // == xLeft to ~1e-5
 * ```
 */
export class FlowForFlow implements Module {
  readonly kind = 'model' as const;
  readonly type = 'flows-for-flows';
  readonly dim: number;
  readonly transform: Bijector;
  readonly left: Distribution;
  readonly right: Distribution;
  readonly rule: ContextRule;
  private trained: boolean;
  private disposed = false;
  // A disposed module may forget its variables (namedVariables() then lists none), so the parts'
  // variables are remembered here to tell a disposed part from one without variables.
  private readonly partVariables: [string, tf.Variable[]][];

  constructor(options: FlowForFlowOptions) {
    const { transform, left } = options;
    const right = options.right ?? left;
    this.transform = transform;
    this.left = left;
    this.right = right;
    this.dim = left.dim;
    if (right.dim !== left.dim) {
      throw new ConfigError(`right.dim: expected ${left.dim} (the left base's dim), got ${right.dim}`);
    }
    if (transform.dim !== left.dim) {
      throw new ConfigError(`transform.dim: expected ${left.dim} (the bases' dim), got ${transform.dim}`);
    }
    if (right.contextDim !== left.contextDim) {
      throw new ConfigError(
        `right.contextDim: expected ${left.contextDim} (the left base's contextDim), got ${right.contextDim}`,
      );
    }
    this.rule = new ContextRule(options.context ?? { type: 'none' }, left.contextDim);
    if (transform.contextDim !== this.rule.transformContextDim) {
      throw new ConfigError(
        `transform.contextDim: expected ${this.rule.transformContextDim} for context '${this.rule.config.type}' with bases of contextDim ${left.contextDim}, got ${transform.contextDim}`,
      );
    }
    this.trained = options.basesTrained ?? false;
    this.partVariables = [
      ['transform', transform.namedVariables().map((v) => v.variable)],
      ['left', left.namedVariables().map((v) => v.variable)],
      ['right', right.namedVariables().map((v) => v.variable)],
    ];
  }

  /** The width of the conditions `contextIn`/`contextOut` (the bases' contextDim); 0 when unconditional. */
  get contextDim(): number {
    return this.left.contextDim;
  }

  /** Whether left and right are one flow. */
  get sharedBase(): boolean {
    return this.left === this.right;
  }

  get basesTrained(): boolean {
    return this.trained;
  }

  /** Declares the bases trained (after fitting them), so f can be trained against them. */
  markBasesTrained(): void {
    this.trained = true;
  }

  /**
   * Maps rows `x` to the other distribution (left to right by default), chunked; returns the images.
   */
  transport(x: tf.Tensor2D, options: TransportOptions = {}): tf.Tensor2D {
    const { y, logDet } = this.mapChunked('transport', x, options, false);
    logDet.dispose();
    return y;
  }

  /** The inverse of {@link transport} called with the same options: `inverseTransport(transport(x, o), o) = x`. */
  inverseTransport(y: tf.Tensor2D, options: TransportOptions = {}): tf.Tensor2D {
    const out = this.mapChunked('inverseTransport', y, options, true);
    out.logDet.dispose();
    return out.y;
  }

  /** The images with log|det| of the map per row. */
  transportWithLogDet(x: tf.Tensor2D, options: TransportOptions = {}): MappedRows {
    return this.mapChunked('transportWithLogDet', x, options, false);
  }

  /**
   * log p(x) of input rows under the flow for flows: the target base's log-density of their image plus
   * log|det| of the map, `[batch]`. Left rows (direction left-to-right) are scored under the right base.
   */
  logProb(x: tf.Tensor2D, options: TransportOptions = {}): tf.Tensor1D {
    const rows = this.check('logProb', x);
    const chunk = this.chunkSize('logProb', options);
    return this.guard('logProb', rows, options, () => {
      const parts: tf.Tensor1D[] = [];
      for (let start = 0; start < rows.shape[0]; start += chunk) {
        parts.push(
          tf.tidy(() => {
            const [xs, opts] = this.sliceRows(rows, options, start, chunk);
            const groups = this.groups('logProb', xs, opts);
            const values = groups.map((g) => this.groupLogProb(g));
            return this.restoreOrder(groups, values, xs.shape[0]) as tf.Tensor1D;
          }),
        );
      }
      return parts.length === 1 ? parts[0]! : tf.tidy(() => tf.concat(parts) as tf.Tensor1D);
    });
  }

  /** log p of a group of rows under the target base (right base for f rows, left for f^-1 rows). */
  groupLogProb(g: RowGroup, penalty?: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor1D): tf.Tensor1D {
    const { y, logDet } = this.mapGroup(g, false);
    const base = g.reversed ? this.left : this.right;
    const lp = tf.add(base.logProb(y, this.baseContext(g, g.reversed ? 'left' : 'right')), logDet);
    return (penalty === undefined ? lp : tf.sub(lp, penalty(g.x, y))) as tf.Tensor1D;
  }

  /** The condition a base is scored at, for a group of rows that lands on `side`. */
  private baseContext(g: RowGroup, side: 'left' | 'right'): tf.Tensor2D | undefined {
    const c = this.rule.config;
    switch (c.type) {
      case 'none':
        return undefined;
      case 'fixed':
        return tf.tile(tf.tensor2d([c[side]]), [g.x.shape[0], 1]) as tf.Tensor2D;
      case 'shared':
        return g.contextIn;
      default:
        return g.contextOut;
    }
  }

  /** f or f^-1 on a group (`invert` undoes the transport instead). */
  mapGroup(g: RowGroup, invert: boolean): MappedRows {
    const ctx = g.reversed
      ? this.rule.transformContext(g.contextOut, g.contextIn)
      : this.rule.transformContext(g.contextIn, g.contextOut);
    const useInverse = g.reversed !== invert;
    return useInverse ? this.transform.inverse(g.x, ctx) : this.transform.forward(g.x, ctx);
  }

  /**
   * Splits rows by direction. Without a direction rule every row goes the way `direction` says; with
   * one, the sign of `c_out - c_in` decides per row (read back: conditions are data, not parameters,
   * so no gradient has to flow through the split).
   */
  groups(where: string, x: tf.Tensor2D, options: TransportOptions): RowGroup[] {
    const n = x.shape[0];
    const { contextIn, contextOut } = this.conditions(where, n, options);
    if (!this.rule.hasDirectionRule) {
      return [
        {
          rows: undefined,
          reversed: (options.direction ?? 'left-to-right') === 'right-to-left',
          x,
          contextIn,
          contextOut,
        },
      ];
    }
    if (options.direction !== undefined) {
      throw new ConfigError(
        `${this.type}.${where}: direction: the '${this.rule.config.type}' context decides each row's direction from its conditions; got direction '${options.direction}'`,
      );
    }
    // An inverse transport is given the forward call's conditions, so it splits the rows the same way
    // and mapGroup swaps f and f^-1.
    const rev = tf.tidy(() => this.rule.reversed(contextIn, contextOut)!);
    const flags = rev.dataSync();
    rev.dispose();
    const fwdRows: number[] = [];
    const revRows: number[] = [];
    for (let i = 0; i < flags.length; i++) (flags[i] ? revRows : fwdRows).push(i);
    if (revRows.length === 0 || fwdRows.length === 0) {
      return [{ rows: undefined, reversed: revRows.length > 0, x, contextIn, contextOut }];
    }
    return [
      [fwdRows, false],
      [revRows, true],
    ].map(([list, reversed]) => {
      const rows = Int32Array.from(list as number[]);
      const idx = tf.tensor1d(rows, 'int32');
      const pick = (t: tf.Tensor2D | undefined) =>
        t === undefined ? undefined : (tf.gather(t, idx) as tf.Tensor2D);
      return {
        rows,
        reversed: reversed as boolean,
        x: pick(x)!,
        contextIn: pick(contextIn),
        contextOut: pick(contextOut),
      };
    });
  }

  /** Puts per-group results back in the order of the rows. */
  private restoreOrder(groups: RowGroup[], values: tf.Tensor[], n: number): tf.Tensor {
    if (groups.length === 1) return values[0]!;
    const order = new Int32Array(n);
    let k = 0;
    for (const g of groups) for (const r of g.rows!) order[r] = k++;
    return tf.gather(tf.concat(values), tf.tensor1d(order, 'int32'));
  }

  private mapChunked(where: string, x: tf.Tensor2D, options: TransportOptions, invert: boolean): MappedRows {
    const rows = this.check(where, x);
    const chunk = this.chunkSize(where, options);
    return this.guard(where, rows, options, () => {
      const ys: tf.Tensor2D[] = [];
      const lds: tf.Tensor1D[] = [];
      for (let start = 0; start < rows.shape[0]; start += chunk) {
        const { y, logDet } = tf.tidy(() => {
          const [xs, opts] = this.sliceRows(rows, options, start, chunk);
          const groups = this.groups(where, xs, opts);
          const mapped = groups.map((g) => this.mapGroup(g, invert));
          return {
            y: this.restoreOrder(
              groups,
              mapped.map((m) => m.y),
              xs.shape[0],
            ) as tf.Tensor2D,
            logDet: this.restoreOrder(
              groups,
              mapped.map((m) => m.logDet),
              xs.shape[0],
            ) as tf.Tensor1D,
          };
        });
        ys.push(y);
        lds.push(logDet);
      }
      if (ys.length === 1) return { y: ys[0]!, logDet: lds[0]! };
      const out = tf.tidy(() => ({ y: tf.concat(ys) as tf.Tensor2D, logDet: tf.concat(lds) as tf.Tensor1D }));
      tf.dispose([...ys, ...lds]);
      return out;
    });
  }

  private sliceRows(
    x: tf.Tensor2D,
    options: TransportOptions,
    start: number,
    chunk: number,
  ): [tf.Tensor2D, TransportOptions] {
    const n = x.shape[0];
    if (start === 0 && chunk >= n) return [x, options];
    const size = Math.min(chunk, n - start);
    const cut = (t: tf.Tensor2D | undefined) =>
      t === undefined || t.shape[0] === 1 ? t : (tf.slice(t, [start, 0], [size, -1]) as tf.Tensor2D);
    const opts: TransportOptions = { ...options };
    const cIn = cut(options.contextIn);
    const cOut = cut(options.contextOut);
    if (cIn !== undefined) opts.contextIn = cIn;
    if (cOut !== undefined) opts.contextOut = cOut;
    return [tf.slice(x, [start, 0], [size, -1]) as tf.Tensor2D, opts];
  }

  /** Checks and broadcasts the conditions a call needs for its mode. */
  conditions(
    where: string,
    n: number,
    options: Pick<TransportOptions, 'contextIn' | 'contextOut'>,
  ): { contextIn: tf.Tensor2D | undefined; contextOut: tf.Tensor2D | undefined } {
    const at = `${this.type}.${where}`;
    const type = this.rule.config.type;
    const wantIn = type !== 'none' && type !== 'fixed';
    const wantOut = wantIn && type !== 'shared';
    const one = (name: 'contextIn' | 'contextOut', want: boolean) => {
      const t = options[name];
      if (!want) {
        if (t !== undefined) {
          throw new ShapeError(
            `${at}: ${name}: the '${type}' context takes ${type === 'shared' ? 'contextIn only' : 'no conditions'}, but ${name} was given`,
          );
        }
        return undefined;
      }
      if (t === undefined) {
        throw new ShapeError(
          `${at}: ${name}: expected a condition of shape [${n}, ${this.contextDim}] (or one row), got none`,
        );
      }
      const c = assertBatch(`${at}: ${name}`, t, this.contextDim);
      if (c.shape[0] === n) return c;
      if (c.shape[0] === 1) return tf.tile(c, [n, 1]) as tf.Tensor2D;
      throw new ShapeError(
        `${at}: ${name}: expected ${n} rows (one per input row) or 1, got ${formatShape(c.shape)}`,
      );
    };
    return { contextIn: one('contextIn', wantIn), contextOut: one('contextOut', wantOut) };
  }

  private check(where: string, x: tf.Tensor2D): tf.Tensor2D {
    this.assertUsable(where);
    return assertBatch(`${this.type}.${where}: x`, x, this.dim);
  }

  private chunkSize(where: string, options: TransportOptions): number {
    const chunk = options.chunkSize ?? 4096;
    if (!Number.isInteger(chunk) || chunk <= 0) {
      throw new ConfigError(`${this.type}.${where}: chunkSize: expected a positive integer, got ${chunk}`);
    }
    return chunk;
  }

  private guard<T>(where: string, x: tf.Tensor2D, options: TransportOptions, body: () => T): T {
    // Validate the conditions' shapes up front, so a bad call fails before any work.
    tf.tidy(() => {
      this.conditions(where, x.shape[0], options);
    });
    return guarded(
      [
        [`${this.type}.${where}: x`, x],
        [`${this.type}.${where}: contextIn`, options.contextIn],
        [`${this.type}.${where}: contextOut`, options.contextOut],
      ],
      body,
    );
  }

  /** Throws when the model or one of its parts was disposed. */
  assertUsable(where: string): void {
    if (this.disposed) throw new ConfigError(`${this.type}.${where}: this model was disposed`);
    for (const [name, variables] of this.partVariables) {
      if (variables.some((v) => v.isDisposed)) {
        throw new ConfigError(`${this.type}.${where}: ${name}: expected a live model, got a disposed one`);
      }
    }
  }

  /** `transform.*`, `left.*` and (when distinct) `right.*`: everything a save stores. */
  namedVariables(): NamedVariable[] {
    return [
      ...prefixed('transform', this.transform.namedVariables()),
      ...prefixed('left', this.left.namedVariables()),
      ...(this.sharedBase ? [] : prefixed('right', this.right.namedVariables())),
    ];
  }

  setTraining(training: boolean): void {
    this.transform.setTraining?.(training);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.transform.dispose();
    this.left.dispose();
    if (!this.sharedBase) this.right.dispose();
  }

  getConfig(): JsonObject {
    return {
      transform: specOf(this.transform) as unknown as JsonObject,
      left: specOf(this.left) as unknown as JsonObject,
      ...(this.sharedBase ? {} : { right: specOf(this.right) as unknown as JsonObject }),
      context: this.rule.config as unknown as JsonObject,
      basesTrained: this.trained,
    };
  }
}

const childSpec = (kind: 'bijector' | 'distribution') => specConfigSchema.extend({ kind: z.literal(kind) });

/** Plugin 'flows-for-flows' (kind 'model'): a {@link FlowForFlow} from the specs of f and its bases. */
export const flowForFlowPlugin = definePlugin({
  kind: 'model',
  type: 'flows-for-flows',
  description: 'A flow between two (conditional) distributions whose bases are trained flows',
  schema: z.strictObject({
    transform: childSpec('bijector'),
    left: childSpec('distribution'),
    right: childSpec('distribution').optional(),
    context: contextSchema.default({ type: 'none' }),
    basesTrained: z.boolean().default(false),
  }),
  create: (config, { registry }) => {
    const transform = registry.create<Bijector>(config.transform);
    const left = registry.create<Distribution>(config.left);
    const right = config.right === undefined ? undefined : registry.create<Distribution>(config.right);
    try {
      return new FlowForFlow({
        transform,
        left,
        ...(right === undefined ? {} : { right }),
        context: config.context,
        basesTrained: config.basesTrained,
      });
    } catch (e) {
      transform.dispose();
      left.dispose();
      right?.dispose();
      throw e;
    }
  },
});
