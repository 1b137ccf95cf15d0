import { describe, expect, it } from 'vitest';
import { parseRunSpec } from '../../shared/src/domain/run-spec.js';
import { loadDataset } from '../../shared/src/ml/data/registry.js';
import { shardMembers } from '../../shared/src/ml/data/shard-members.js';
import { eventually } from '../support/eventually.js';
import type { WorkerHub } from '../../coordinator/src/workers/worker-hub.js';
import { useInProcessCluster } from '../support/in-process.js';

const PREFIX = '/forget/';
// Retraining waits out a 10-minute window: no task after the deletion reaches the worker during this test, so only
// the announcement can make it drop the deleted sample's cached rows.
const spec = { dataset: { builtin: 'blobs', samples: 1200, features: 8, classes: 3 }, shards: 3, slices: 2, budget: 1, epochs: 2, pretrainEpochs: 1, model: { hidden: 16, loraRank: 2 }, retraining: { kind: 'RETRAINING_POLICY_KIND_COALESCE' as const, windowMs: '600000' } };

describe('a deletion is announced to workers, which drop what they derived from the deleted samples', () => {
  let stageTasks = 0;
  const cluster = useInProcessCluster({
    name: 'forget-announced',
    prefix: PREFIX,
    workerId: 'fw',
    backend: 'wasm',
    worker: {
      beforeStart: (executor) => {
        const stageGroup = executor.stageGroup.bind(executor);
        executor.stageGroup = (tasks, onProgress, signals) => {
          stageTasks += tasks.length;
          return stageGroup(tasks, onProgress, signals);
        };
      },
    },
  });

  it('drops the deleted rows from its frozen-prefix cache at once, with no retraining task, and keeps the others', async () => {
    const { client, worker } = cluster;
    const op = await client.createRun({ requestId: '', runId: 'announced', spec });
    await client.waitForOperation(op.name, 120_000);
    const cache = worker.frozenCache;
    if (cache === undefined) throw new Error('the in-process worker keeps a cache on wasm');
    const data = loadDataset(parseRunSpec({ ...spec, retraining: {} }).dataset);
    const run = await client.getRun('runs/announced');
    // Both in the ordering's last slice: the shard keeps serving its first stage, so retraining waits the window.
    const last = run.shards[1]?.orderings[0]?.slices[1];
    const shard = shardMembers(data, run.salt, 3, 2)[1] ?? { rows: [], sliceOf: [] };
    const [victim, other] = shard.rows.filter((_, i) => shard.sliceOf[i] === last).map((r) => data.ids[r] as string) as [string, string];
    expect(cache.holdsAnywhere(victim)).toBe(true);
    const tasksBefore = stageTasks;
    await client.deleteSamples('', 'runs/announced', [victim]);
    await eventually('the worker dropping the deleted row', 10_000, () => Promise.resolve(!cache.holdsAnywhere(victim) || undefined));
    expect(cache.stats.forgotten).toBe(1);
    expect(cache.holdsAnywhere(other)).toBe(true);
    expect(stageTasks).toBe(tasksBefore); // no retraining did it
    expect((await client.getRun('runs/announced')).shards[1]?.orderings[0]?.survivingDepth).toBe(1);
    expect(await worker.agent.metrics.metrics()).toContain('lethe_worker_frozen_cache_forgotten_rows_total 1');
  });

  it('drops every cached row when its stream breaks, and again when it re-attaches (it may have missed announcements)', async () => {
    const { client, lethe } = cluster;
    const cache = cluster.worker.frozenCache;
    expect(cache?.stats.rows).toBeGreaterThan(0);
    const generation = cache?.generation ?? 0;
    // The coordinator ends the worker's stream (as a network cut or a leader change does); the worker re-attaches.
    (lethe.coordinator as unknown as { hub: WorkerHub }).hub.closeAll();
    // Two clears: one as the stream ended (nothing stays cached while deletions go unannounced), one at the attach.
    await eventually('the worker re-attaching', 15_000, async () => ((await client.listWorkers()).workers.some((w) => w.name === 'workers/fw') && cache?.generation === generation + 2) || undefined);
    expect(cache?.stats.rows).toBe(0);
  });
});
