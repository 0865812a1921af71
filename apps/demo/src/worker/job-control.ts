/** Lets a running training be paused, resumed and stopped between two steps. */
export class JobControl {
  readonly abort = new AbortController();
  private resume: (() => void) | undefined;
  private paused: Promise<void> | undefined;

  pause(): void {
    this.paused ??= new Promise((resolve) => {
      this.resume = resolve;
    });
  }
  unpause(): void {
    this.resume?.();
    this.paused = undefined;
    this.resume = undefined;
  }
  stop(): void {
    this.abort.abort();
    this.unpause();
  }
  /** Resolves at once, or when a paused job is resumed or stopped; true when it had been paused. */
  async checkpoint(): Promise<boolean> {
    if (this.paused === undefined) return false;
    await this.paused;
    return true;
  }
}
