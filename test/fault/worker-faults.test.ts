import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { LetheClient } from '../../coordinator/src/client/lethe-client.js';
import { placeSample } from '../../shared/src/domain/placement.js';
import { stagePrefixKey } from '../../shared/src/domain/impact.js';
import { FsArtifactStore } from '../../shared/src/adapters/fs/fs-artifact-store.js';
import { decodeArtifact, decodeSampleList, type StageManifest } from '../../shared/src/ml/artifact-codec.js';
import { makeBlobs } from '../../shared/src/ml/data/synthetic.js';
import type { Run__Output } from '../../shared/src/gen/lethe/v1/Run.js';
import { TestCluster, printLogsOnFailure, TIMEOUT, blobsRun, eventually } from '../support/cluster.js';
import { stageCommits } from '../support/stage-commits.js';

/** Runs whose stages take a second or more, so a test can act while one trains. */
const SLOW = { samples: 4000, features: 32, epochs: 12, hidden: 64 };
const dataset = makeBlobs({ samples: SLOW.samples, features: SLOW.features, classes: 3 });
const userIds = Array.from(dataset.split.user, (r) => dataset.ids[r] as string);

function trainingStage(run: Run__Output, worker?: string): { shard: number; prefix: number[]; worker: string } | undefined {
  for (const s of run.shards) {
    for (const o of s.orderings) {
      for (const st of o.stages) {
        if (st.state === 'STAGE_STATE_TRAINING' && (worker === undefined || st.workerId === worker)) return { shard: s.shard, prefix: o.slices.slice(0, st.stage), worker: st.workerId };
      }
    }
  }
  return undefined;
}

describe('worker faults on a real cluster', () => {
  let cluster: TestCluster;
  printLogsOnFailure(() => cluster);
  let client: LetheClient;
  let address: string;

  beforeAll(async () => {
    cluster = await TestCluster.start();
    ({ address } = await cluster.coordinator('coord'));
    const fastLease = { LETHE_WORKER_LEASE_TTL_SECONDS: '3' };
    await cluster.worker('w0', [address], fastLease);
    await cluster.worker('w1', [address], fastLease);
    client = cluster.client(address);
    await cluster.workersAttached(client, 2);
  });
  afterAll(async () => {
    client.close();
    await cluster[Symbol.asyncDispose]();
  });

  it('rejects the result of a stage that trains on a slice a deletion taints, and retrains it without the id', async () => {
    const op = await client.createRun(blobsRun('race', SLOW));
    // Wait for a stage of depth ≥ 2 to be training, then delete a sample of its last slice.
    const target = await eventually('a stage of depth ≥ 2 training', TIMEOUT.training, async () => {
      const t = trainingStage(await client.getRun('runs/race'));
      return t !== undefined && t.prefix.length >= 2 ? t : undefined;
    });
    const slice = target.prefix[target.prefix.length - 1] as number;
    const victim = userIds.find((id) => {
      const p = placeSample('race', id, 2, 3);
      return p.shard === target.shard && p.slice === slice;
    }) as string;
    const receipt = await client.deleteSamples('race-del', 'runs/race', [victim]);
    expect(receipt.shards[0]?.shard).toBe(target.shard);
    await client.waitForOperation(op.name, TIMEOUT.training);
    await eventually('deletion retrained and purged', TIMEOUT.training, async () => (await client.getDeletion(receipt.name)).state === 'DELETION_STATE_PURGED');

    const key = stagePrefixKey(target.prefix, target.prefix.length);
    const log = cluster.processes.find((p) => p.name === 'coord')?.output() ?? '';
    const dropped = log.split('\n').filter((l) => l.includes(`"stage":"${key}"`) && (l.includes('assignment dropped') || l.includes('stale result discarded')));
    expect(dropped.length).toBeGreaterThan(0);

    // The stage committed now trained on the new generation and its manifest lists no deleted id.
    const run = await client.getRun('runs/race');
    const shard = run.shards.find((s) => s.shard === target.shard);
    const ordering = shard?.orderings.find((o) => stagePrefixKey(o.slices, target.prefix.length) === key);
    const status = ordering?.stages[target.prefix.length - 1];
    expect(status?.state).toBe('STAGE_STATE_ACTIVE');
    const store = new FsArtifactStore(join(cluster.dir, 'artifacts'));
    const manifest = decodeArtifact(await store.get(status?.artifact ?? '')).manifest as StageManifest;
    expect(manifest.slices.find((s) => s.slice === slice)?.generation).toBe(1);
    const ids = decodeSampleList(await store.get(manifest.sampleIdsHash));
    expect(ids).not.toContain(victim);
    expect(ids.length).toBe(manifest.sampleCount);
    // Deleted means forgotten: no stored object names the victim, not even the stale result's id list that the
    // racing worker stored before its result was discarded.
    const stored = await store.list();
    expect(stored.length).toBeGreaterThan(0);
    for (const digest of stored) expect(Buffer.from(await store.get(digest)).includes(victim), digest).toBe(false);
  });

  it('reassigns the stage of a SIGKILLed worker after its lease expires; the run completes with no duplicate commit', async () => {
    const op = await client.createRun(blobsRun('crash', SLOW));
    const onW0 = await eventually('a stage training on w0', TIMEOUT.training, async () => trainingStage(await client.getRun('runs/crash'), 'w0'));
    await cluster.processes.find((p) => p.name === 'w0')?.kill('SIGKILL');
    const done = await client.waitForOperation(op.name, TIMEOUT.training);
    expect(done.done).toBe(true);
    const run = await client.getRun('runs/crash');
    const key = stagePrefixKey(onW0.prefix, onW0.prefix.length);
    const stage = run.shards.find((s) => s.shard === onW0.shard)?.orderings.flatMap((o) => o.stages.filter((st) => stagePrefixKey(o.slices, st.stage) === key))[0];
    expect(stage?.workerId).toBe('w1');
    // Every stage was committed exactly once: count the StageCommitted events JetStream kept for this run.
    const commits = await stageCommits(cluster.nats.endpoint, 'crash');
    const distinct = run.shards.length * 9; // 3 + 3 + 3 distinct prefixes of a Latin square with L = 3
    expect(commits.size).toBe(distinct);
    expect([...commits.values()].every((n) => n === 1)).toBe(true);
  });
});
