import type { BusEvent, EventBus, PublishOptions } from '../ports/event-bus.js';
import { subjectMatches } from '../ports/event-bus.js';
import { AsyncQueue } from './async-queue.js';

/** In-process EventBus twin with the NATS adapter's live semantics (msgId only dedups NATS's stored stream). */
export class InMemoryEventBus implements EventBus {
  private readonly subs = new Set<{ pattern: string; queue: AsyncQueue<BusEvent> }>();
  private closed = false;

  publish(subject: string, data: unknown, _options: PublishOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    const copy: unknown = JSON.parse(JSON.stringify(data));
    for (const s of this.subs) if (subjectMatches(s.pattern, subject)) s.queue.push({ subject, data: copy });
    return Promise.resolve();
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
