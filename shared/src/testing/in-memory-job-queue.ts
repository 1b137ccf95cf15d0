import type { DeadLetter, JobMessage, JobQueue, JobQueueOptions } from '../ports/job-queue.js';

interface Entry {
  readonly id: string;
  readonly data: unknown;
  deliveries: number;
  availableAt: number;
  leasedUntil: number;
  generation: number;
}

const POLL_MS = 20;

/** In-process JobQueue twin with the NATS adapter's semantics; passes the same contract suite. */
export class InMemoryJobQueue implements JobQueue {
  private readonly entries: Entry[] = [];
  private readonly ids = new Set<string>();
  private readonly dead: DeadLetter[] = [];
  private closed = false;

  constructor(private readonly options: JobQueueOptions) {}

  enqueue(id: string, data: unknown): Promise<boolean> {
    if (this.ids.has(id)) return Promise.resolve(false);
    this.ids.add(id);
    this.entries.push({ id, data: structuredClone(data), deliveries: 0, availableAt: 0, leasedUntil: 0, generation: 0 });
    return Promise.resolve(true);
  }

  private take(): JobMessage | null {
    for (;;) {
      const now = Date.now();
      const e = this.entries.find((x) => x.availableAt <= now && x.leasedUntil <= now);
      if (e === undefined) return null;
      e.deliveries++;
      if (e.deliveries > this.options.maxDeliver) {
        this.remove(e);
        this.dead.push({ id: e.id, data: e.data, deliveries: e.deliveries - 1 });
        continue;
      }
      e.leasedUntil = now + this.options.ackWaitMs;
      const generation = ++e.generation;
      const live = (): boolean => e.generation === generation && this.entries.includes(e);
      return {
        id: e.id,
        data: structuredClone(e.data),
        deliveryCount: e.deliveries,
        ack: () => {
          if (live()) this.remove(e);
          return Promise.resolve();
        },
        nak: (delayMs = 0) => {
          if (live()) {
            e.leasedUntil = 0;
            e.availableAt = Date.now() + delayMs;
          }
          return Promise.resolve();
        },
        working: () => {
          if (live()) e.leasedUntil = Date.now() + this.options.ackWaitMs;
          return Promise.resolve();
        },
        term: () => {
          if (live()) this.remove(e);
          return Promise.resolve();
        },
      };
    }
  }

  private remove(e: Entry): void {
    const i = this.entries.indexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
  }

  async next(o: { expiresMs: number; signal?: AbortSignal }): Promise<JobMessage | null> {
    const deadline = Date.now() + o.expiresMs;
    for (;;) {
      if (this.closed || o.signal?.aborted === true) return null;
      const m = this.take();
      if (m !== null || Date.now() >= deadline) return m;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  deadLetters(): Promise<readonly DeadLetter[]> {
    return Promise.resolve([...this.dead]);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
