import { randomBytes } from 'node:crypto';
import { SerialPass } from '../util/serial-pass.js';
import { z } from 'zod';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { EventBus } from '../../../shared/src/ports/event-bus.js';
import type { FencedWriter, Put } from '../state/fenced-writer.js';
import type { Keys } from '../state/keys.js';
import type { StateMirror } from '../state/state-mirror.js';

/** An event stored in etcd in the same transaction as the state it describes. */
export const OutboxEntrySchema = z.object({ subject: z.string(), data: z.unknown(), msgId: z.string() });
export type OutboxEntry = z.output<typeof OutboxEntrySchema>;

/**
 * The put that records an event in the outbox, to add to the transaction that commits what the event says: the
 * event then exists exactly when the state does, and no outage between the commit and the publish can lose it.
 */
export function outboxPut(keys: Keys, entry: OutboxEntry): Put {
  // Time-ordered ids, so the relay publishes in commit order.
  const id = `${Date.now().toString().padStart(13, '0')}-${randomBytes(4).toString('hex')}`;
  return { key: keys.outboxEntry(id), value: JSON.stringify(entry) };
}

/** Published entries removed per transaction (stock etcd allows 128 operations). */
const OUTBOX_DELETE_BATCH = 100;

export interface OutboxRelayDeps {
  readonly mirror: StateMirror;
  readonly keys: Keys;
  readonly writer: FencedWriter;
  readonly events: EventBus;
  readonly logger: Logger;
  /** Retry period while the bus is unreachable. @default 1000 */
  readonly retryMs?: number;
}

/**
 * The leader's relay: publishes every outbox entry in order (JetStream dedups by msgId, so a republish after a
 * crash is harmless) and deletes it from etcd once the bus has acknowledged it. While NATS is down the entries wait
 * in etcd and the relay retries; nothing committed is ever lost.
 */
export class OutboxRelay {
  private readonly passes = new SerialPass(
    () => this.drain(),
    (err) => this.deps.logger.warn({ err }, 'outbox pass failed'),
  );
  /** Published entries not yet removed from etcd: removed in batches, never published twice by this relay. */
  private readonly published = new Set<string>();
  private lastCleanup = 0;
  private readonly onChange = (key: string): void => {
    if (key.startsWith(this.deps.keys.outbox())) this.passes.wake();
  };

  constructor(private readonly deps: OutboxRelayDeps) {
    deps.mirror.trackPrefix(deps.keys.outbox());
  }

  start(): void {
    if (this.passes.active) return;
    this.deps.mirror.on('change', this.onChange);
    this.passes.start(this.deps.retryMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.deps.mirror.off('change', this.onChange);
    await this.passes.stop();
  }

  /**
   * Publishes entries oldest first, stopping at the first failure (retried on the next wake). Published entries are
   * removed from etcd in batches — once a batch is full or a retry period has passed — so a steady stream of
   * deletions does not pay one more etcd transaction each. A crash before the removal republishes them, which the
   * bus deduplicates by message id.
   */
  private async drain(): Promise<void> {
    const { mirror, keys, events, logger } = this.deps;
    const waiting = mirror.keys(keys.outbox());
    try {
      for (const key of waiting) {
        if (!this.passes.active) break;
        if (this.published.has(key)) continue;
        const entry = mirror.json(key, (v) => OutboxEntrySchema.parse(v))?.value;
        if (entry !== undefined) await events.publish(entry.subject, entry.data, { msgId: entry.msgId });
        this.published.add(key);
      }
    } catch (err) {
      logger.warn({ err, waiting: waiting.length - this.published.size }, 'event publish failed; the outbox keeps the events and retries');
    }
    for (const key of this.published) if (mirror.get(key) === undefined) this.published.delete(key);
    const due = this.published.size >= OUTBOX_DELETE_BATCH || Date.now() - this.lastCleanup >= (this.deps.retryMs ?? 1000);
    if (!due || this.published.size === 0) return;
    this.lastCleanup = Date.now();
    const batch = [...this.published].slice(0, OUTBOX_DELETE_BATCH);
    try {
      await this.deps.writer.write([], [], batch);
      for (const key of batch) this.published.delete(key);
    } catch (err) {
      logger.warn({ err }, 'outbox cleanup failed; will retry');
    }
  }
}
