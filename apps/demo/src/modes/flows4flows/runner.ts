import { create, type FitHistory, fit, type Trainable } from '@diffeo/core';
import { type DataArrays, type Dataset, toTensors } from '@diffeo/datasets';
import type { Flow } from '@diffeo/distributions';
import {
  baseTransfer,
  FlowForFlow,
  flowForFlowObjective,
  meanNll,
  meanTranslation,
  pairData,
  type SideData,
  type TransportOptions,
} from '@diffeo/flows4flows';
import * as tf from '@tensorflow/tfjs-core';
import type { DataChoice } from '../../protocol.js';
import { DataRunner } from '../../worker/data-runner.js';
import { meanLoss } from '../../worker/evaluate.js';
import { fitEvents, jobSettings, phasePost, postFinished } from '../../worker/fit-events.js';
import type { JobControl } from '../../worker/job-control.js';
import { type LoadedData, loadData, rowsOf } from '../../worker/load-data.js';
import { baseFlow, mapTransform } from './models.js';
import { CONDITION_RANGE, type F4FJob, type F4FMapView, type F4FRequest } from './protocol.js';

/** Rows each view plots. */
const PLOTTED = 800;
/** Held-out losses (and map views) per phase. */
const SNAPSHOTS = 8;

/** The two sides of the map: two data sets, or two samples of one conditional data set. */
interface Sides {
  left: LoadedData;
  right: LoadedData;
}

/** The inputs the views follow, as rows for the page and as a tensor for the map. */
interface ViewInput {
  rows: number[][];
  x: tf.Tensor2D;
}

/** A side's rows (and conditions) as tensors; the caller disposes them. */
function sideOf(data: DataArrays): SideData {
  const { x, context, labels } = toTensors(data);
  labels?.dispose();
  return context === undefined ? { x } : { x, context };
}

/**
 * Conditional pairs with the lower condition on the left: with both directions in every step and
 * ffflows' direction rule the loss of a pair is the same either way round, but every left row then
 * goes through f and every right row through f^-1, so no batch is split by direction.
 */
export function lowerConditionLeft(left: DataArrays, right: DataArrays): [DataArrays, DataArrays] {
  const n = Math.min(left.n, right.n);
  const { dim } = left;
  const a = { x: left.x.slice(0, n * dim), context: left.context!.slice(0, n), n, dim, contextDim: 1 };
  const b = { x: right.x.slice(0, n * dim), context: right.context!.slice(0, n), n, dim, contextDim: 1 };
  for (let i = 0; i < n; i++) {
    if (a.context[i]! <= b.context[i]!) continue;
    [a.context[i], b.context[i]] = [b.context[i]!, a.context[i]!];
    for (let j = i * dim; j < (i + 1) * dim; j++) [a.x[j], b.x[j]] = [b.x[j]!, a.x[j]!];
  }
  return [a, b];
}

/**
 * Flows-for-flows mode in the worker. Phase 1 trains the base flows (a left and a right one, or one
 * conditional flow for both sides) by maximum likelihood; phase 2 trains the map f between them,
 * with the bases frozen (`flowForFlowObjective`: both directions every step, plus an optional L1
 * distance). The views follow held-out left rows through f and through the base transfer; in the
 * conditional setup a request moves the target condition without training.
 */
export class F4FRunner extends DataRunner<F4FJob, FlowForFlow, Sides> {
  protected readonly loads = { mode: 'flows-for-flows', model: 'a flow for flows', type: FlowForFlow };
  private job: F4FJob | undefined;
  private input: ViewInput | undefined;
  private condition = 0;
  private mapStep = 0;
  private training = false;

  private get conditional(): boolean {
    return this.job?.setup.kind === 'conditional';
  }

  /** The conditional data set of the setup, at `condition` when given. */
  private conditionalChoice(job: F4FJob, condition?: number): DataChoice & { kind: 'dataset' } {
    if (job.setup.kind !== 'conditional') throw new Error('flows4flows: not a conditional setup');
    const config = { base: job.setup.base, transform: job.setup.transform };
    return {
      kind: 'dataset',
      type: 'conditional',
      config: condition === undefined ? config : { ...config, condition },
    };
  }

  /** The conditions of the inputs (the range's start) and of the plotted target. */
  private conditions(): { input: number; target: number } | undefined {
    const setup = this.job?.setup;
    if (setup?.kind !== 'conditional') return undefined;
    return { input: CONDITION_RANGE[setup.transform][0], target: this.condition };
  }

  /** Rows of the conditional data set at one condition (the same seed gives the same base points). */
  private rowsAt(condition: number, seed: number): DataArrays {
    const { type, config } = this.conditionalChoice(this.job!, condition);
    return create<Dataset>({ kind: 'dataset', type, config }).sample(PLOTTED, { seed });
  }

  private targetRows(): number[][] {
    const c = this.conditions();
    return c === undefined
      ? rowsOf(this.data!.right.validation, PLOTTED)
      : rowsOf(this.rowsAt(c.target, this.job!.seed + 3), PLOTTED);
  }

  /** Loads both sides (split 80/10/10), picks the plotted inputs and tells the page. */
  protected async useData(job: F4FJob): Promise<Sides> {
    const [leftChoice, rightChoice] =
      job.setup.kind === 'two-sets'
        ? [job.setup.left, job.setup.right]
        : [this.conditionalChoice(job), this.conditionalChoice(job)];
    const left = await loadData(leftChoice, job.seed);
    const right = await loadData(rightChoice, job.seed + 1);
    if (left.all.dim !== right.all.dim) {
      throw new Error(`flows4flows: the left data is ${left.all.dim}-D, the right ${right.all.dim}-D`);
    }
    if (left.all.dim < 2)
      throw new Error(`flows4flows: expected data of 2 or more columns, got ${left.all.dim}`);
    this.job = job;
    this.data = { left, right };
    this.condition = job.condition;
    this.mapStep = 0;
    this.input?.x.dispose();
    const c = this.conditions();
    const rows = rowsOf(c === undefined ? left.validation : this.rowsAt(c.input, job.seed + 2), PLOTTED);
    this.input = { rows, x: tf.tensor2d(rows) };
    this.post({
      type: 'f4f-data',
      input: rows,
      target: this.targetRows(),
      dim: left.all.dim,
      ...(c === undefined ? {} : { conditions: c }),
    });
    return this.data;
  }

  validationLoss(): number {
    const { model: f4f, data: sides } = this.trained();
    return tf.tidy(() => {
      const a = sideOf(sides.left.validation);
      const b = sideOf(sides.right.validation);
      const n = Math.min(a.x.shape[0], b.x.shape[0]);
      const top = (t: tf.Tensor2D) => tf.slice(t, [0, 0], [n, -1]) as tf.Tensor2D;
      const options: TransportOptions =
        f4f.contextDim > 0 && a.context !== undefined && b.context !== undefined
          ? { contextIn: top(a.context), contextOut: top(b.context) }
          : {};
      return meanNll(f4f.logProb(top(a.x), options));
    });
  }

  /** The map's view at the current target condition. */
  private mapView(step: number): F4FMapView {
    const f4f = this.model!;
    const input = this.input!;
    const conditions = this.conditions();
    const [images, transfer, f4fTranslation, transferTranslation] = tf.tidy(() => {
      const options =
        conditions === undefined
          ? {}
          : { contextIn: tf.tensor2d([[conditions.input]]), contextOut: tf.tensor2d([[conditions.target]]) };
      const y = f4f.transport(input.x, options);
      const t = baseTransfer(f4f.left, f4f.right, input.x, options);
      return [
        y.arraySync(),
        t.arraySync(),
        meanTranslation(input.x, y),
        meanTranslation(input.x, t),
      ] as const;
    });
    return {
      type: 'f4f-map',
      step,
      input: input.rows,
      images,
      transfer,
      target: this.targetRows(),
      ...(conditions === undefined ? {} : { conditions }),
      f4fTranslation,
      transferTranslation,
      validationLoss: this.validationLoss(),
    };
  }

  /** One phase: `fit` with progress over the whole run and a held-out loss every few steps. */
  private async phase(
    trainable: Trainable,
    data: SideData,
    steps: number,
    at: { phase: string; offset: number; total: number },
    job: F4FJob,
    control: JobControl,
    heldOut: (step: number) => number,
  ): Promise<FitHistory> {
    const post = phasePost(this.post, at);
    const take = (step: number) =>
      this.post({ type: 'f4f-held-out', phase: at.phase, step: at.offset + step, loss: heldOut(step) });
    this.post({ type: 'state', state: 'training', detail: at.phase });
    const history = await fit(trainable, data, {
      ...jobSettings(job, steps),
      clipNorm: 5,
      ...fitEvents(post, control, steps, { every: Math.max(10, Math.round(steps / SNAPSHOTS)), take }),
    });
    take(history.steps);
    return history;
  }

  /** How the run ended, in the phase it ended in. */
  private finished(phase: string, history: FitHistory): void {
    postFinished(
      (m) =>
        this.post(
          m.type === 'state' && m.detail !== undefined ? { ...m, detail: `${phase}, ${m.detail}` } : m,
        ),
      history,
    );
  }

  async train(job: F4FJob, control: JobControl): Promise<void> {
    this.replaceModel(undefined);
    const { left, right } = await this.useData(job);
    const conditional = job.setup.kind === 'conditional';
    const sides = conditional ? [left] : [left, right];
    const names = conditional ? ['conditional base flow'] : ['left base flow', 'right base flow'];
    const count = sides.length + 1;
    const total = sides.length * job.steps + job.mapSteps;
    const bases: Flow[] = [];
    const tensors: SideData[] = [];
    this.training = true;
    try {
      for (const [i, side] of sides.entries()) {
        const flow = baseFlow(job.architecture, side.all.dim, conditional ? 1 : 0, job.seed + i);
        bases.push(flow);
        const data = sideOf(side.train);
        tensors.push(data);
        const at = { phase: `${names[i]} (${i + 1}/${count})`, offset: i * job.steps, total };
        const history = await this.phase(flow, data, job.steps, at, job, control, () =>
          meanLoss(flow, side.validation),
        );
        if (history.stopReason !== 'completed') {
          this.finished(at.phase, history);
          return;
        }
      }
      const transform = mapTransform(job.architecture, left.all.dim, conditional ? 1 : 0, job.seed + 10);
      let f4f: FlowForFlow;
      try {
        f4f = new FlowForFlow({
          transform,
          left: bases[0]!,
          ...(conditional ? { context: { type: 'difference' as const } } : { right: bases[1]! }),
          basesTrained: true,
        });
      } catch (e) {
        transform.dispose();
        throw e;
      }
      bases.length = 0; // the flow for flows owns them now
      this.replaceModel(f4f);
      const objective = flowForFlowObjective(f4f, {
        direction: 'both',
        ...(job.l1Weight > 0 ? { penalty: { type: 'l1' as const, weight: job.l1Weight } } : {}),
      });
      const [pairLeft, pairRight] = conditional
        ? lowerConditionLeft(left.train, right.train).map(sideOf)
        : [tensors[0]!, tensors[1]!];
      if (conditional) tensors.push(pairLeft!, pairRight!);
      const paired = pairData(pairLeft!, pairRight!);
      tensors.push(paired);
      const at = { phase: `map (${count}/${count})`, offset: sides.length * job.steps, total };
      const start = this.mapView(0);
      this.post(start);
      // The map starts as the identity: its held-out loss there is where the curve starts.
      this.post({ type: 'f4f-held-out', phase: at.phase, step: at.offset, loss: start.validationLoss });
      const history = await this.phase(objective, paired, job.mapSteps, at, job, control, (step) => {
        this.mapStep = step;
        const view = this.mapView(step);
        this.post(view);
        return view.validationLoss;
      });
      this.finished(at.phase, history);
    } finally {
      this.training = false;
      for (const flow of bases) flow.dispose();
      for (const t of tensors) tf.dispose([t.x, ...(t.context === undefined ? [] : [t.context])]);
    }
  }

  protected checkFits(model: FlowForFlow, { left }: Sides): void {
    const contextDim = this.conditional ? 1 : 0;
    if (model.dim !== left.all.dim || model.contextDim !== contextDim) {
      throw new Error(
        `load: the model maps ${model.dim}-D rows with ${model.contextDim} condition columns, the data has ${left.all.dim} and ${contextDim}`,
      );
    }
  }

  protected showLoaded(): void {
    this.post(this.mapView(0));
  }

  async request(request: F4FRequest): Promise<void> {
    if (request.type !== 'condition') return;
    this.condition = request.condition;
    // While the map trains, its next view takes the new condition.
    if (!this.training && this.model !== undefined && this.conditional) this.post(this.mapView(this.mapStep));
  }

  override dispose(): void {
    super.dispose();
    this.input?.x.dispose();
    this.input = undefined;
  }
}
