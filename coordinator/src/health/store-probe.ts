import type { Logger } from '../../../shared/src/log/logger.js';
import type { RoStateStore } from '../../../shared/src/ports/state-store.js';

export interface StoreProbeDeps {
  readonly store: RoStateStore;
  readonly logger: Logger;
  /** Called with false when the store stops answering, with true when it answers again. */
  readonly onChange: (reachable: boolean) => void;
  /** @default 2000 */
  readonly intervalMs?: number;
}

/**
 * Asks the store for its revision every interval: a replica that cannot reach etcd can neither accept deletions
 * nor confirm its view is current, so its health must say NOT_SERVING until etcd answers again.
 */
export class StoreProbe {
  private timer: NodeJS.Timeout | undefined;
  private reachable = true;
  private inFlight = false;

  constructor(private readonly deps: StoreProbeDeps) {}

  get isReachable(): boolean {
    return this.reachable;
  }

  start(): void {
    this.timer = setInterval(() => void this.probe(), this.deps.intervalMs ?? 2000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One probe; overlapping probes are skipped (a hung call already says enough). */
  async probe(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    let ok: boolean;
    try {
      await this.deps.store.revision();
      ok = true;
    } catch (err) {
      ok = false;
      if (this.reachable) this.deps.logger.error({ err }, 'etcd unreachable: health NOT_SERVING');
    } finally {
      this.inFlight = false;
    }
    if (ok === this.reachable) return;
    this.reachable = ok;
    if (ok) this.deps.logger.info('etcd reachable again: health SERVING');
    this.deps.onChange(ok);
  }
}
