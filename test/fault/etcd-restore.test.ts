import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInProcessCoordinator, type InProcessCoordinator } from '../support/in-process.js';
import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';
import { NatsEventBus } from '../../shared/src/adapters/nats/nats-event-bus.js';
import { startEtcdServer, startNatsServer, type LocalServer } from '../../shared/src/adapters/process/local-servers.js';
import { makeBlobs } from '../../shared/src/ml/data/synthetic.js';
import { blobsRun, eventually } from '../support/cluster.js';
import { formatRunStatus } from '../../coordinator/src/cli/client-commands.js';

/**
 * etcd restored from an older snapshot (its data directory copied while stopped, then put back, as `etcdctl snapshot
 * restore` would leave it) forgets the deletions acknowledged after the snapshot, while NATS keeps their events: the
 * next leader finds them, by request id, and a replay with the same request id clears each.
 */
describe('etcd restored from an older snapshot: the leader finds the acknowledged deletions it lost', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-etcd-restore-'));
  const data = join(dir, 'etcd');
  const snapshot = join(dir, 'etcd-snapshot');
  let etcd: LocalServer;
  let nats: LocalServer;
  let port: number;
  let events: NatsEventBus;
  let lethe: InProcessCoordinator | undefined;
  const dataset = makeBlobs({ samples: 1200, features: 12, classes: 3 });
  const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);

  const start = async (): Promise<InProcessCoordinator> => startInProcessCoordinator(new EtcdStateStore({ endpoints: [etcd.endpoint] }), { events, lostDeletionCheckMs: 300 });
  /** The request ids of the lost deletions the leader recorded, as GetRun shows them. */
  const lostOf = async (c: InProcessCoordinator): Promise<string[]> => (await c.client.getRun('runs/restore')).lostDeletions.map((l) => l.requestId).sort();
  async function gauge(c: InProcessCoordinator): Promise<number | undefined> {
    const m = await c.coordinator.metrics.registry.getSingleMetric('lethe_deletions_lost')?.get();
    return m?.values.find((v) => v.labels['run'] === 'restore')?.value;
  }
  async function restartEtcd(restoreFrom?: string): Promise<void> {
    await lethe?.dispose();
    lethe = undefined;
    await etcd.stop();
    if (restoreFrom === undefined) cpSync(data, snapshot, { recursive: true });
    else {
      rmSync(data, { recursive: true, force: true });
      cpSync(restoreFrom, data, { recursive: true });
    }
    etcd = await startEtcdServer({ dataDir: data, port });
  }

  beforeAll(async () => {
    etcd = await startEtcdServer({ dataDir: data });
    port = Number(etcd.endpoint.split(':')[1]);
    nats = await startNatsServer({ storeDir: join(dir, 'nats') });
    events = await NatsEventBus.connect([nats.endpoint]);
    lethe = await start();
    await lethe.client.createRun(blobsRun('restore'));
  });
  afterAll(async () => {
    await lethe?.dispose();
    await events.close();
    await nats.stop();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the deletions acknowledged after the snapshot until each is replayed; deletions before it, and after the restore, are not', async () => {
    const stored = async (n: number): Promise<unknown> => eventually(`${n} deletion events stored`, 10_000, async () => (await events.history('lethe.events.deletion.restore', 0, 100)).length === n);
    let c = lethe as InProcessCoordinator;
    await c.client.deleteSamples('before', 'runs/restore', [userIds[0] as string]);
    await stored(1);
    await restartEtcd(); // the snapshot: one deletion
    c = lethe = await start();
    const after = [userIds[1] as string, userIds[2] as string];
    await c.client.deleteSamples('after-1', 'runs/restore', [after[0] as string]);
    await c.client.deleteSamples('after-2', 'runs/restore', [after[1] as string]);
    await stored(3);
    // Healthy: every event names a deletion etcd holds.
    expect(await c.coordinator.lostDeletions.check()).toEqual(new Map());
    expect((await c.client.whereIs('runs/restore', after[0] as string)).deleted).toBe(true);

    await restartEtcd(snapshot); // restore to the snapshot
    c = lethe = await start();
    // The restored state forgot both: their samples read as not deleted, and the leader says so.
    expect((await c.client.whereIs('runs/restore', after[0] as string)).deleted).toBe(false);
    await eventually('both lost deletions found', 10_000, async () => (await lostOf(c)).join() === 'after-1,after-2');
    const [first] = (await c.client.getRun('runs/restore')).lostDeletions;
    expect(first?.deletion).toMatch(/^runs\/restore\/deletions\//);
    expect(Number(first?.acknowledgeTime?.seconds ?? 0)).toBeGreaterThan(0);
    await eventually('the gauge says 2', 5_000, async () => (await gauge(c)) === 2);
    // Every replica's GetRun lists them (recorded in etcd), and `lethe status --run` leads with them.
    const view = await c.client.getRun('runs/restore');
    expect(view.lostDeletionCount).toBe(2);
    expect(view.lostDeletions.map((l) => l.requestId).sort()).toEqual(['after-1', 'after-2']);
    const text = formatRunStatus(view);
    expect(text).toContain('deletions etcd lost (restored from an older snapshot?): 2; replay each with the same request id and ids:\n  request after-1, acknowledged ');
    expect(text).toContain('  request after-2, acknowledged ');

    // A deletion made after the restore does not hide them (the check reads from its watermark, restored too).
    await c.client.deleteSamples('later', 'runs/restore', [userIds[3] as string]);
    await stored(4);
    expect([...((await c.coordinator.lostDeletions.check()).get('restore') ?? [])].map((l) => l.requestId).sort()).toEqual(['after-1', 'after-2']);

    // Replaying one with its request id clears it; then the other.
    await c.client.deleteSamples('after-1', 'runs/restore', [after[0] as string]);
    expect((await c.client.whereIs('runs/restore', after[0] as string)).deleted).toBe(true);
    expect([...((await c.coordinator.lostDeletions.check()).get('restore') ?? [])].map((l) => l.requestId)).toEqual(['after-2']);
    await c.client.deleteSamples('after-2', 'runs/restore', [after[1] as string]);
    expect(await c.coordinator.lostDeletions.check()).toEqual(new Map());
    await eventually('the gauge says 0', 5_000, async () => (await gauge(c)) === 0);
    const cleared = await c.client.getRun('runs/restore');
    expect(cleared.lostDeletionCount).toBe(0);
    expect(formatRunStatus(cleared)).not.toContain('deletions etcd lost');
  });
});
