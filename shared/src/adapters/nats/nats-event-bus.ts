import { natsConnectOptions } from './connect-options.js';
import type { NatsAuth } from '../../security/backing-services.js';
import { AckPolicy, connect, DeliverPolicy, JSONCodec, nanos, RetentionPolicy, StorageType, type NatsConnection, type JetStreamClient, type JetStreamManager } from 'nats';
import { ErrorCode, LetheError } from '../../errors/errors.js';
import type { BusEvent, EventBus, PublishOptions, StoredBusEvent } from '../../ports/event-bus.js';
import { EVENT_RETENTION_MS, historyLimit } from '../../ports/event-bus.js';
import { AsyncQueue } from '../../testing/async-queue.js';

export const EVENTS_STREAM = 'LETHE_EVENTS';
const codec = JSONCodec();

/**
 * EventBus over NATS JetStream: events are stored in the LETHE_EVENTS stream (subjects `lethe.events.>`,
 * deduplicated by msgId) and delivered live to core subscriptions.
 */
export class NatsEventBus implements EventBus {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  static async connect(servers: readonly string[], auth: NatsAuth = {}): Promise<NatsEventBus> {
    try {
      const nc = await connect(natsConnectOptions(servers, 'lethe-events', auth));
      const jsm = await nc.jetstreamManager();
      try {
        await jsm.streams.info(EVENTS_STREAM);
      } catch {
        await jsm.streams.add({ name: EVENTS_STREAM, subjects: ['lethe.events.>'], retention: RetentionPolicy.Limits, storage: StorageType.File, max_age: nanos(EVENT_RETENTION_MS) });
      }
      return new NatsEventBus(nc, nc.jetstream(), jsm);
    } catch (e) {
      throw new LetheError(ErrorCode.UNAVAILABLE, `cannot reach NATS at ${servers.join(',')}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  async publish(subject: string, data: unknown, options: PublishOptions = {}): Promise<void> {
    try {
      await this.js.publish(subject, codec.encode(data), options.msgId === undefined ? {} : { msgID: options.msgId });
    } catch (e) {
      throw new LetheError(ErrorCode.UNAVAILABLE, `publish ${subject}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  subscribe(pattern: string, options: { signal?: AbortSignal } = {}): AsyncIterable<BusEvent> {
    const queue = new AsyncQueue<BusEvent>(options.signal);
    const sub = this.nc.subscribe(pattern, {
      callback: (err, msg) => {
        if (err !== null) {
          queue.end();
          return;
        }
        queue.push({ subject: msg.subject, data: codec.decode(msg.data) });
      },
    });
    options.signal?.addEventListener('abort', () => sub.unsubscribe(), { once: true });
    return queue;
  }

  async history(pattern: string, sinceMs: number, limit: number): Promise<StoredBusEvent[]> {
    const max = historyLimit(limit);
    const from = new Date(Math.max(sinceMs, Date.now() - EVENT_RETENTION_MS)).toISOString();
    // An ephemeral consumer from that time: its info says how many stored events match, so the read waits for
    // exactly those (no timeout to tell "no more" from "not yet").
    let name = '';
    try {
      const info = await this.jsm.consumers.add(EVENTS_STREAM, { filter_subject: pattern, deliver_policy: DeliverPolicy.StartTime, opt_start_time: from, ack_policy: AckPolicy.None, mem_storage: true, inactive_threshold: nanos(60_000) });
      name = info.name;
      const want = Math.min(max, info.num_pending);
      const out: StoredBusEvent[] = [];
      if (want === 0) return out;
      const consumer = await this.js.consumers.get(EVENTS_STREAM, name);
      while (out.length < want) {
        const batch = await consumer.fetch({ max_messages: want - out.length, expires: 5_000 });
        let got = 0;
        for await (const m of batch) {
          out.push({ subject: m.subject, data: codec.decode(m.data), timeMs: Math.floor(m.info.timestampNanos / 1e6) });
          got++;
        }
        if (got === 0) break; // expired or removed meanwhile (max age): what there is
      }
      return out;
    } catch (e) {
      throw new LetheError(ErrorCode.UNAVAILABLE, `read stored events ${pattern}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    } finally {
      if (name !== '') await this.jsm.consumers.delete(EVENTS_STREAM, name).catch(() => undefined);
    }
  }

  /** Makes sure every subscription registered so far is known to the server (for tests that publish at once). */
  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}
