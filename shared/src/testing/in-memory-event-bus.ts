import type { BusEvent, EventBus, PublishOptions, StoredBusEvent } from '../ports/event-bus.js';
import { EVENT_RETENTION_MS, historyLimit, subjectMatches } from '../ports/event-bus.js';
import { AsyncQueue } from './async-queue.js';

/**
 * In-process EventBus twin with the NATS adapter's semantics: live delivery to subscribers, and a stored stream
 * (kept EVENT_RETENTION_MS, a message id stored once) for history reads.
 */
export class InMemoryEventBus implements EventBus {
  private readonly subs = new Set<{ pattern: string; queue: AsyncQueue<BusEvent> }>();
  private stored: StoredBusEvent[] = [];
  /** Message ids stored, and when (pruned with the events). */
  private readonly storedIds = new Map<string, number>();
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {}

  publish(subject: string, data: unknown, options: PublishOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    const copy: unknown = JSON.parse(JSON.stringify(data));
    for (const s of this.subs) if (subjectMatches(s.pattern, subject)) s.queue.push({ subject, data: copy });
    const timeMs = this.now();
    this.stored = this.stored.filter((e) => e.timeMs >= timeMs - EVENT_RETENTION_MS);
    for (const [id, at] of this.storedIds) if (at < timeMs - EVENT_RETENTION_MS) this.storedIds.delete(id);
    const { msgId } = options;
    if (msgId !== undefined && this.storedIds.has(msgId)) return Promise.resolve(); // stored already: delivered live only
    this.stored.push({ subject, data: copy, timeMs });
    if (msgId !== undefined) this.storedIds.set(msgId, timeMs);
    return Promise.resolve();
  }

  history(pattern: string, sinceMs: number, limit: number): Promise<StoredBusEvent[]> {
    try {
      const max = historyLimit(limit);
      const from = Math.max(sinceMs, this.now() - EVENT_RETENTION_MS);
      return Promise.resolve(this.stored.filter((e) => e.timeMs >= from && subjectMatches(pattern, e.subject)).slice(0, max).map((e) => ({ ...e, data: JSON.parse(JSON.stringify(e.data)) as unknown })));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  subscribe(pattern: string, options: { signal?: AbortSignal } = {}): AsyncIterable<BusEvent> {
    const queue = new AsyncQueue<BusEvent>(options.signal);
    const sub = { pattern, queue };
    this.subs.add(sub);
    options.signal?.addEventListener('abort', () => this.subs.delete(sub), { once: true });
    return queue;
  }

  close(): Promise<void> {
    this.closed = true;
    for (const s of this.subs) s.queue.end();
    this.subs.clear();
    return Promise.resolve();
  }
}
