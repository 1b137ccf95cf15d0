import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedCoordinator, type EmbeddedCoordinator } from '../../../test/support/embedded-coordinator.js';
import { eventually } from '../../../test/support/eventually.js';
import { parseRunSpec } from '../../../shared/src/domain/run-spec.js';
import { loadDataset } from '../../../shared/src/ml/data/registry.js';

const spec = { dataset: { builtin: 'blobs', samples: 400, features: 4, classes: 2 }, shards: 3, slices: 2, budget: 1 };

describe('cancelling a run (CancelOperation on operations/runs/R)', () => {
  let cluster: EmbeddedCoordinator;
  beforeAll(async () => {
    cluster = await startEmbeddedCoordinator('/cancel/');
  });
  afterAll(() => cluster.close());

  it('stops its in-flight stages, assigns nothing more, keeps what it committed, discards late results, still deletes', async () => {
    const { client } = cluster;
    const w = await cluster.worker('w-cancel', { slots: 2 });
    const taken = new Set<string>();
    await client.createRun({ requestId: '', runId: 'stopped', spec });
    const pretrain = await w.next('stopped', taken);
    taken.add(pretrain.taskId);
    await w.result(pretrain, true);
    const first = await w.next('stopped', taken);
    taken.add(first.taskId);
    const second = await w.next('stopped', taken);
    taken.add(second.taskId);
    await w.result(first, true); // committed before the cancel: it keeps serving
    await eventually('first committed', 5_000, async () => ((await client.getRun('runs/stopped')).shards[first.stage!.stage!.shard]?.orderings[0]?.stages[0]?.state === 'STAGE_STATE_ACTIVE') || undefined);

    await client.cancelOperation('operations/runs/stopped');
    // Every assignment the worker holds (the second stage, and any sent as the first committed) is taken back.
    await eventually('the in-flight stages cancelled', 5_000, () =>
      Promise.resolve(w.assignments.filter((a) => a.taskId !== first.taskId && a.taskId !== pretrain.taskId).every((a) => w.cancels.includes(a.taskId)) || undefined),
    );
    const heldAtCancel = w.assignments.length;
    const run = await client.getRun('runs/stopped');
    expect(run.state).toBe('RUN_STATE_CANCELLED');
    expect(run.shards[first.stage!.stage!.shard]?.orderings[0]?.stages[0]?.state).toBe('STAGE_STATE_ACTIVE');
    const op = await client.getOperation('operations/runs/stopped');
    expect(op.done).toBe(true);
    expect(op.error?.code).toBe(1);

    // A late result of the cancelled task is discarded; no new work arrives however long we wait.
    await w.result(second, true);
    await new Promise((r) => setTimeout(r, 1200));
    const after = await client.getRun('runs/stopped');
    expect(after.shards[second.stage!.stage!.shard]?.orderings[0]?.stages[0]?.state).not.toBe('STAGE_STATE_ACTIVE');
    expect(w.assignments).toHaveLength(heldAtCancel);

    // Deletions still apply to a cancelled run (exactness does not depend on training).
    const data = loadDataset(parseRunSpec(spec).dataset);
    const receipt = await client.deleteSamples('', 'runs/stopped', [data.ids[data.split.user[0] as number] as string]);
    expect(receipt.sampleCount).toBe(1);
    // The receipt is what the deletion did (and stays the same when read back); the run's state says nothing is retrained.
    await new Promise((r) => setTimeout(r, 700));
    expect(w.assignments).toHaveLength(heldAtCancel);

    // Cancelling again changes nothing; an unknown run is NOT_FOUND.
    await client.cancelOperation('operations/runs/stopped');
    await expect(client.cancelOperation('operations/runs/nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    w.close();
  });
});
