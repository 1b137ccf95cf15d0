import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'nats';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { startInProcessCoordinator, type InProcessCoordinator } from '../support/in-process.js';
import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';
import { EVENTS_STREAM, NatsEventBus } from '../../shared/src/adapters/nats/nats-event-bus.js';
import { startEtcdServer, startNatsServer, type LocalServer } from '../../shared/src/adapters/process/local-servers.js';
import { makeBlobs } from '../../shared/src/ml/data/synthetic.js';
import { blobsRun, eventually } from '../support/cluster.js';
import type { DeletionReceipt__Output } from '../../shared/src/gen/lethe/v1/DeletionReceipt.js';

/** The events the stream holds for `subject`, in stream order (read from the server, not a live subscription). */
async function stored(endpoint: string, subject: string): Promise<Record<string, unknown>[]> {
  const nc = await connect({ servers: endpoint });
  try {
    const jsm = await nc.jetstreamManager();
    const { state } = await jsm.streams.info(EVENTS_STREAM);
    const out: Record<string, unknown>[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq });
      if (m.subject === subject) out.push(m.json<Record<string, unknown>>());
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** How many events the stream holds for `subject` (read from the server, not from a live subscription). */
async function streamed(endpoint: string, subject: string): Promise<number> {
  const nc = await connect({ servers: endpoint });
  try {
    const info = await (await nc.jetstreamManager()).streams.info(EVENTS_STREAM, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  } finally {
    await nc.close();
  }
}

describe('NATS outage: events are committed with the state (outbox) and published once NATS is back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-nats-outage-'));
  let etcd: LocalServer;
  let nats: LocalServer;
  let port: number;
  let lethe: InProcessCoordinator;
  let events: NatsEventBus;
  let client: LetheClient;
  const dataset = makeBlobs({ samples: 1200, features: 12, classes: 3 });
  const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);

  beforeAll(async () => {
    etcd = await startEtcdServer();
    nats = await startNatsServer({ storeDir: join(dir, 'nats') });
    port = Number(nats.endpoint.split(':')[1]);
    events = await NatsEventBus.connect([nats.endpoint]);
    lethe = await startInProcessCoordinator(new EtcdStateStore({ endpoints: [etcd.endpoint] }), { events });
    client = lethe.client;
    await client.createRun(blobsRun('outage'));
  });
  afterAll(async () => {
    await lethe.dispose();
    await events.close();
    await nats.stop();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('acknowledges deletions while NATS is down and loses none of their events', async () => {
    const subject = 'lethe.events.deletion.outage';
    const receipts = new Map<string, { name: string; acknowledgeTime: string }>();
    const remember = (r: DeletionReceipt__Output): void => {
      const t = r.acknowledgeTime;
      receipts.set(r.requestId, { name: r.name, acknowledgeTime: t === null ? '' : new Date(Number(t.seconds) * 1000 + t.nanos / 1e6).toISOString() });
    };
    for (let i = 0; i < 2; i++) remember(await client.deleteSamples(`up-${i}`, 'runs/outage', [userIds[i] as string]));
    await eventually('events while NATS is up', 10_000, async () => (await streamed(nats.endpoint, subject)) === 2);

    await nats.stop();
    // Deletions do not wait for the bus: each is acknowledged, its event kept in etcd's outbox.
    for (let i = 0; i < 5; i++) {
      const receipt = await client.deleteSamples(`down-${i}`, 'runs/outage', [userIds[10 + i] as string]);
      expect(receipt.sampleCount).toBe(1);
      remember(receipt);
    }
    const store = new EtcdStateStore({ endpoints: [etcd.endpoint] });
    try {
      expect((await store.list('/lethe/outbox/')).kvs.length).toBeGreaterThanOrEqual(5);
      nats = await startNatsServer({ storeDir: join(dir, 'nats'), port });
      await eventually('every event published after the outage', 30_000, async () => (await streamed(nats.endpoint, subject)) === 7);
      await eventually('outbox emptied', 10_000, async () => (await store.list('/lethe/outbox/')).kvs.length === 0);
      // In commit order, each naming its request id and time: what an operator replays after restoring etcd.
      const events = await stored(nats.endpoint, subject);
      expect(events.map((e) => e['requestId'])).toEqual([...receipts.keys()]);
      for (const e of events) {
        const receipt = receipts.get(String(e['requestId']));
        expect(e).toMatchObject({ type: 'DeletionAcknowledged', run: 'outage', deletion: receipt?.name, acknowledgeTime: receipt?.acknowledgeTime });
      }
    } finally {
      await store.close();
    }
  });
});
