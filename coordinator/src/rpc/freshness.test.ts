import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator } from '../coordinator.js';
import { LetheClient } from '../client/lethe-client.js';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import { InMemoryEventBus } from '../../../shared/src/testing/in-memory-event-bus.js';
import { FsArtifactStore } from '../../../shared/src/adapters/fs/fs-artifact-store.js';
import { createLogger } from '../../../shared/src/log/logger.js';
import { makeBlobs } from '../../../shared/src/ml/data/synthetic.js';
import type { StateStore, WatchEvent, WatchOptions } from '../../../shared/src/ports/state-store.js';
import { eventually } from '../../../test/support/eventually.js';
import { testSecurity } from '../../../shared/src/testing/test-security.js';

const WATCH_LAG_MS = 800;

/** A client whose watch delivers every event late: a follower whose mirror lags, as under load or a slow link. */
function lagging(store: StateStore): StateStore {
  const watch = (prefix: string, options?: WatchOptions): AsyncIterable<WatchEvent> => ({
    async *[Symbol.asyncIterator]() {
      for await (const e of store.watch(prefix, options)) {
        await new Promise((r) => setTimeout(r, WATCH_LAG_MS));
        yield e;
      }
    },
  });
  return Object.assign(Object.create(store) as StateStore, { watch });
}

describe('freshness: a follower whose mirror lags never serves a stale view unless asked to', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-fresh-'));
  const backend = new InMemoryStateBackend();
  const started: Coordinator[] = [];
  let leader: LetheClient;
  let follower: LetheClient;
  const data = makeBlobs({ samples: 300, features: 4, classes: 2 });
  const ids = Array.from(data.split.user, (r) => data.ids[r] as string);

  beforeAll(async () => {
    const common = { events: new InMemoryEventBus(), artifacts: new FsArtifactStore(join(dir, 'a')), logger: createLogger({ service: 'test', level: 'silent' }), listen: '127.0.0.1:0', backend: 'cpu' as const };
    const a = await Coordinator.start({ ...(await testSecurity()).local.server, ...common, store: backend.client(), id: 'a' });
    started.push(a);
    await eventually('a leads', 10_000, () => Promise.resolve(a.isLeader));
    const b = await Coordinator.start({ ...(await testSecurity()).local.server, ...common, store: lagging(backend.client()), id: 'b' });
    started.push(b);
    leader = new LetheClient(a.address, (await testSecurity()).admin, 10_000);
    follower = new LetheClient(b.address, (await testSecurity()).admin, 10_000);
    await leader.createRun({ requestId: '', runId: 'fresh', spec: { dataset: { builtin: 'blobs', samples: 300, features: 4, classes: 2 }, shards: 2, slices: 2, budget: 2 } });
    await eventually('the follower knows the run', 10_000, async () => (await follower.getRun('runs/fresh')).name === 'runs/fresh');
  });
  afterAll(async () => {
    leader.close();
    follower.close();
    for (const c of started.reverse()) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads its own deletion through a lagging follower by default, and a bounded-stale read may not', async () => {
    // Confirm the follower's view now, so a bounded-staleness read may use it.
    await follower.whereIs('runs/fresh', ids[0] as string);
    const first = await leader.deleteSamples('', 'runs/fresh', [ids[1] as string]);
    expect(first.sampleCount).toBe(1);
    // Within the lag, a caller that accepts 60 s of staleness gets the follower's old view...
    expect((await follower.whereIs('runs/fresh', ids[1] as string, 60_000)).deleted).toBe(false);
    // ...and one that does not (the default) waits until the follower has applied the deletion.
    expect((await follower.whereIs('runs/fresh', ids[1] as string)).deleted).toBe(true);
    const second = await leader.deleteSamples('', 'runs/fresh', [ids[2] as string]);
    expect(Number(second.revision)).toBeGreaterThan(Number(first.revision));
    expect(Number((await follower.getRun('runs/fresh')).revision)).toBeGreaterThanOrEqual(Number(second.revision));
    expect((await follower.whereIs('runs/fresh', ids[2] as string)).deleted).toBe(true);
  });
});
