import { type Figure, lines } from '@diffeo/plots';

/**
 * The loss curves a mode draws while it trains: the training loss of every progress message and
 * the held-out loss of every snapshot after step 0.
 */
export class LossCurves {
  private steps: number[] = [];
  private losses: number[] = [];
  private heldOutSteps: number[] = [];
  private heldOut: number[] = [];

  constructor(
    private readonly title = 'negative log-likelihood',
    private readonly heldOutName = 'validation',
    private readonly trainName = 'train',
  ) {}

  reset(): void {
    this.steps = [];
    this.losses = [];
    this.heldOutSteps = [];
    this.heldOut = [];
  }

  addTraining(step: number, loss: number): void {
    this.steps.push(step);
    this.losses.push(loss);
  }

  addHeldOut(step: number, loss: number): void {
    if (step === 0) return;
    this.heldOutSteps.push(step);
    this.heldOut.push(loss);
  }

  /** Two lines: training and held-out loss against the step (`size` in pixels, default lines'). */
  figure(size: { width?: number; height?: number } = {}): Figure {
    return lines({
      ...size,
      title: this.title,
      xTitle: 'step',
      yTitle: 'nats',
      series: [
        { name: this.trainName, x: this.steps, y: this.losses },
        { name: this.heldOutName, x: this.heldOutSteps, y: this.heldOut },
      ],
    });
  }
}
