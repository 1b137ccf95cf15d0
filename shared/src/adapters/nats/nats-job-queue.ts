import type { NatsAuth } from '../../security/backing-services.js';
import { natsConnectOptions } from './connect-options.js';
import { AckPolicy, connect, JSONCodec, nanos, RetentionPolicy, StorageType, type Consumer, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { ErrorCode, LetheError } from '../../errors/errors.js';
import type { DeadLetter, JobMessage, JobQueue, JobQueueOptions } from '../../ports/job-queue.js';

const codec = JSONCodec();

export interface NatsJobQueueOptions extends JobQueueOptions {
  readonly servers: readonly string[];
  /** Stream and consumer names: one unfiltered consumer per work-queue stream. @default 'LETHE_JOBS' */
  readonly stream?: string;
  /** TLS and user credentials for NATS. */
  readonly auth?: NatsAuth;
}

/**
 * JobQueue over a JetStream work-queue stream with one durable pull consumer (explicit ack, ack_wait,
 * max_deliver). JetStream keeps a message whose deliveries are exhausted, so the adapter moves a job delivered
 * more than `maxDeliver` times to a dead-letter stream itself and terminates it.
 */
export class NatsJobQueue implements JobQueue {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly consumer: Consumer,
    private readonly stream: string,
    private readonly options: NatsJobQueueOptions,
  ) {}

  static async connect(o: NatsJobQueueOptions): Promise<NatsJobQueue> {
    const stream = o.stream ?? 'LETHE_JOBS';
    try {
      const nc = await connect(natsConnectOptions(o.servers, 'lethe-jobs', o.auth));
      const jsm = await nc.jetstreamManager();
      const ensure = async (name: string, subjects: string[], retention: RetentionPolicy): Promise<void> => {
        try {
          await jsm.streams.info(name);
        } catch {
          await jsm.streams.add({ name, subjects, retention, storage: StorageType.File, duplicate_window: nanos(24 * 3600 * 1000) });
        }
      };
      await ensure(stream, [`${stream.toLowerCase()}.>`], RetentionPolicy.Workqueue);
      await ensure(`${stream}_DEAD`, [`${stream.toLowerCase()}-dead.>`], RetentionPolicy.Limits);
      try {
        await jsm.consumers.info(stream, 'workers');
      } catch {
        // One more delivery than allowed, so the adapter sees the exhausted one and dead-letters it.
        await jsm.consumers.add(stream, { durable_name: 'workers', ack_policy: AckPolicy.Explicit, ack_wait: nanos(o.ackWaitMs), max_deliver: o.maxDeliver + 1 });
      }
      const js = nc.jetstream();
      return new NatsJobQueue(nc, js, jsm, await js.consumers.get(stream, 'workers'), stream, o);
    } catch (e) {
      throw new LetheError(ErrorCode.UNAVAILABLE, `cannot set up the job queue on NATS: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  private subject(id: string): string {
    return `${this.stream.toLowerCase()}.${Buffer.from(id).toString('base64url')}`;
  }

  async enqueue(id: string, data: unknown): Promise<boolean> {
    const ack = await this.js.publish(this.subject(id), codec.encode({ id, data }), { msgID: id });
    return !ack.duplicate;
  }

  async next(o: { expiresMs: number; signal?: AbortSignal }): Promise<JobMessage | null> {
    const deadline = Date.now() + o.expiresMs;
    while (o.signal?.aborted !== true) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      const m = await this.consumer.next({ expires: Math.max(1000, left) });
      if (m === null) {
        if (Date.now() >= deadline) return null;
        continue;
      }
      const { id, data } = codec.decode(m.data) as { id: string; data: unknown };
      const deliveryCount = m.info.redeliveryCount;
      if (deliveryCount > this.options.maxDeliver) {
        await this.js.publish(`${this.stream.toLowerCase()}-dead.${Buffer.from(id).toString('base64url')}`, codec.encode({ id, data, deliveries: deliveryCount - 1 }));
        m.term();
        continue;
      }
      return {
        id,
        data,
        deliveryCount,
        ack: async () => {
          await m.ackAck();
        },
        nak: (delayMs) => Promise.resolve(m.nak(delayMs)),
        working: () => Promise.resolve(m.working()),
        term: () => Promise.resolve(m.term()),
      };
    }
    return null;
  }

  async deadLetters(): Promise<readonly DeadLetter[]> {
    const name = `${this.stream}_DEAD`;
    const info = await this.jsm.streams.info(name);
    const out: DeadLetter[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      try {
        const msg = await this.jsm.streams.getMessage(name, { seq });
        out.push(codec.decode(msg.data) as DeadLetter);
      } catch {
        // a deleted sequence
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}
