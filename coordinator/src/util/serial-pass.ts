/** Reports a pass that has not ended after `afterMs`, again every `afterMs` until it ends. */
export interface StallReport {
  readonly afterMs: number;
  readonly onStall: (runningMs: number) => void;
}

/**
 * A leader-side pass run on demand: wakes coalesce (at most one pass waits behind the running one), passes never
 * overlap, a tick wakes it periodically while active, and stop waits for the pass in progress. The scheduler, the
 * outbox relay and the audit chainer each run one. Since nothing runs while a pass hangs, how long the pass in
 * progress has run is exposed (`runningMs`) and, with a `StallReport`, reported.
 */
export class SerialPass {
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private activeNow = false;
  private timer: NodeJS.Timeout | undefined;
  private startedAt: number | undefined;

  /** `pass` handles its own errors; one that escapes goes to `onError` and later passes still run. */
  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly stall?: StallReport,
  ) {}

  get active(): boolean {
    return this.activeNow;
  }

  /** How long the pass in progress has run (0 between passes). */
  runningMs(now = Date.now()): number {
    return this.startedAt === undefined ? 0 : now - this.startedAt;
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
      this.startedAt = Date.now();
      const watch = this.stall === undefined ? undefined : setInterval(() => this.stall?.onStall(this.runningMs()), this.stall.afterMs);
      watch?.unref();
      try {
        await this.pass().catch(this.onError);
      } finally {
        clearInterval(watch);
        this.startedAt = undefined;
      }
    });
  }
}
