import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessCoordinator, type InProcessCoordinator } from '../../../test/support/in-process.js';
import { blobsRun, eventually } from '../../../test/support/cluster.js';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import { InMemoryEventBus } from '../../../shared/src/testing/in-memory-event-bus.js';
import { makeBlobs } from '../../../shared/src/ml/data/synthetic.js';
import type { StateStore } from '../../../shared/src/ports/state-store.js';
import { Keys } from '../state/keys.js';

/** The lost-deletion check on the in-memory twins: what counts as lost, what as held, and how its watermark moves. */
describe('LostDeletionCheck (in-memory etcd and NATS twins)', () => {
  const backend = new InMemoryStateBackend();
  const store: StateStore = backend.client();
  const events = new InMemoryEventBus();
  const keys = new Keys('/lethe/');
  const dataset = makeBlobs({ samples: 1200, features: 12, classes: 3 });
  const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);
  let lethe: InProcessCoordinator;

  const watermark = async (): Promise<number | undefined> => {
    const kv = await store.get(keys.deletionEventsChecked('lost'));
    return kv === null ? undefined : (JSON.parse(kv.value) as { timeMs: number }).timeMs;
  };
  const lostIds = async (): Promise<string[]> => [...((await lethe.coordinator.lostDeletions.check()).get('lost') ?? [])].map((l) => l.requestId);

  beforeAll(async () => {
    // A check interval longer than the test: only the explicit checks below run (and the one at election).
    lethe = await startInProcessCoordinator(backend.client(), { events, lostDeletionCheckMs: 3_600_000 });
    await lethe.client.createRun(blobsRun('lost'));
  });
  afterAll(() => lethe.dispose());

  it('reports an event whose deletion etcd lacks until its request id is recorded, ignores what is not a deletion of ours, and moves its watermark only past what is held', async () => {
    await lethe.client.deleteSamples('kept', 'runs/lost', [userIds[0] as string]);
    await eventually('the event stored', 5_000, async () => (await events.history('lethe.events.deletion.lost', 0, 10)).length === 1);
    const [kept] = await events.history('lethe.events.deletion.lost', 0, 10);
    expect(await lostIds()).toEqual([]);
    expect(await watermark()).toBe(kept?.timeMs);

    // As if etcd had been restored to before these two: their events stay, their deletions and requests do not.
    await new Promise((r) => setTimeout(r, 5));
    await events.publish('lethe.events.deletion.lost', { type: 'DeletionAcknowledged', run: 'lost', deletion: 'runs/lost/deletions/0000000000001-aaaaaaaa', requestId: 'gone-1', acknowledgeTime: '2026-11-28T00:00:00.000Z', shards: [] });
    await events.publish('lethe.events.deletion.lost', { type: 'DeletionAcknowledged', run: 'lost', deletion: 'runs/lost/deletions/0000000000002-bbbbbbbb', requestId: '', acknowledgeTime: '2026-11-28T00:00:01.000Z', shards: [] });
    // Not a deletion of ours: another type, a name that is no deletion's.
    await events.publish('lethe.events.deletion.lost', { type: 'SomethingElse', deletion: 'runs/lost/deletions/0000000000003-cccccccc' });
    await events.publish('lethe.events.deletion.lost', { type: 'DeletionAcknowledged', deletion: '../../etc' });
    const check = await lethe.coordinator.lostDeletions.check();
    expect(check.get('lost')).toEqual([
      { deletion: 'runs/lost/deletions/0000000000001-aaaaaaaa', requestId: 'gone-1', acknowledgeTime: '2026-11-28T00:00:00.000Z' },
      { deletion: 'runs/lost/deletions/0000000000002-bbbbbbbb', requestId: '', acknowledgeTime: '2026-11-28T00:00:01.000Z' },
    ]);
    expect(await watermark()).toBe(kept?.timeMs); // not past the first lost one
    const gauge = async (): Promise<number | undefined> => (await lethe.coordinator.metrics.registry.getSingleMetric('lethe_deletions_lost')?.get())?.values.find((v) => v.labels['run'] === 'lost')?.value;
    await eventually('the gauge says 2', 5_000, async () => (await gauge()) === 2);
    expect((await lethe.client.getRun('runs/lost')).lostDeletions.map((l) => l.requestId)).toEqual(['gone-1', '']);

    // The first replayed under its request id: held. The one without a request id cannot be matched: still lost.
    await lethe.client.deleteSamples('gone-1', 'runs/lost', [userIds[1] as string]);
    expect(await lostIds()).toEqual(['']);
  });

  it('checks no run that is gone', async () => {
    await lethe.client.deleteRun('runs/lost');
    expect(await lethe.coordinator.lostDeletions.check()).toEqual(new Map());
  });
});
