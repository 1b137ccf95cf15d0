/**
 * A leader-side pass run on demand: wakes coalesce (at most one pass waits behind the running one), passes never
 * overlap, a tick wakes it periodically while active, and stop waits for the pass in progress. The scheduler, the
 * outbox relay and the audit chainer each run one.
 */
export class SerialPass {
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private activeNow = false;
  private timer: NodeJS.Timeout | undefined;

  /** `pass` handles its own errors; one that escapes goes to `onError` and later passes still run. */
  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  get active(): boolean {
    return this.activeNow;
  }

  start(tickMs: number): void {
    if (this.activeNow) return;
    this.activeNow = true;
    this.timer = setInterval(() => this.wake(), tickMs);
    this.timer.unref();
    this.wake();
  }

  stop(): Promise<void> {
    this.activeNow = false;
    clearInterval(this.timer);
    return this.running;
  }

  wake(): void {
    if (!this.activeNow || this.pending) return;
    this.pending = true;
    this.running = this.running.then(async () => {
      this.pending = false;
      if (!this.activeNow) return;
      await this.pass().catch(this.onError);
    });
  }
}
