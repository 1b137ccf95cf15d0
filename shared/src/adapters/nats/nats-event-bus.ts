import { natsConnectOptions } from './connect-options.js';
import type { NatsAuth } from '../../security/backing-services.js';
import { connect, JSONCodec, RetentionPolicy, StorageType, type NatsConnection, type JetStreamClient } from 'nats';
import { ErrorCode, LetheError } from '../../errors/errors.js';
import type { BusEvent, EventBus, PublishOptions } from '../../ports/event-bus.js';
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
  ) {}

  static async connect(servers: readonly string[], auth: NatsAuth = {}): Promise<NatsEventBus> {
    try {
      const nc = await connect(natsConnectOptions(servers, 'lethe-events', auth));
      const jsm = await nc.jetstreamManager();
      try {
        await jsm.streams.info(EVENTS_STREAM);
      } catch {
        await jsm.streams.add({ name: EVENTS_STREAM, subjects: ['lethe.events.>'], retention: RetentionPolicy.Limits, storage: StorageType.File, max_age: 7 * 24 * 3600 * 1e9 });
      }
      return new NatsEventBus(nc, nc.jetstream());
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

  /** Makes sure every subscription registered so far is known to the server (for tests that publish at once). */
  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}
