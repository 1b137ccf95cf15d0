import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetheClient } from '../client/lethe-client.js';
import { startEmbeddedCoordinator, type EmbeddedCoordinator } from '../../../test/support/embedded-coordinator.js';
import { parseRunSpec } from '../../../shared/src/domain/run-spec.js';
import { loadDataset } from '../../../shared/src/ml/data/registry.js';
import { shardMembers, stageSampleIds } from '../../../shared/src/ml/data/shard-members.js';
import { deletedBy } from '../../../shared/src/domain/sample-digest.js';
import { eventually } from '../../../test/support/eventually.js';
import { ScriptedWorker } from '../../../test/support/scripted-worker.js';
import type { TaskAssignment__Output } from '../../../shared/src/gen/lethe/v1/TaskAssignment.js';
import { testSecurity } from '../../../shared/src/testing/test-security.js';

const PREFIX = '/groups/';
/** Six shards of one ordering: six stage-1 tasks are ready at once. */
const sixShards = { dataset: { builtin: 'blobs', samples: 600, features: 4, classes: 2 }, shards: 6, slices: 2, budget: 1 };

/** The ids a stage trains on (what a deletion must hit to taint it). */
function idsOf(a: TaskAssignment__Output): string[] {
  const t = a.stage!;
  const spec = parseRunSpec(JSON.parse(t.runSpecJson));
  const dataset = loadDataset(spec.dataset);
  const members = shardMembers(dataset, t.salt, spec.shards, spec.slices)[t.stage!.shard]!;
  return stageSampleIds(dataset, members, t.ordering.slice(0, t.stage!.stage), deletedBy(t.sampleIdKey, t.excludedSampleIds));
}

describe('batched groups: the coordinator sends a worker groups of compatible stages up to its batch capacity', () => {
  let cluster: EmbeddedCoordinator;
  let client: LetheClient;

  beforeAll(async () => {
    cluster = await startEmbeddedCoordinator(PREFIX);
    client = cluster.client;
  });
  afterAll(() => cluster.close());

  const worker = (id: string, hello: { slots?: number; batchCapacity?: number }): Promise<ScriptedWorker> => cluster.worker(id, hello);

  it('groups ready stages of one stage number (any shard) up to the capacity; a deletion cancels only the member it taints', async () => {
    const w = await worker('w-batched', { slots: 1, batchCapacity: 4 });
    const taken = new Set<string>();
    await client.createRun({ requestId: '', runId: 'grouped', spec: sixShards });
    const pretrain = await w.next('grouped', taken);
    taken.add(pretrain.taskId);
    await w.result(pretrain, true);
    // One slot × capacity 4: four of the six stage-1 tasks, as one group, then nothing until they finish.
    const group = await eventually('a group of 4', 10_000, () => {
      const stages = w.assignments.filter((a) => a.stage?.run === 'runs/grouped');
      return Promise.resolve(stages.length >= 4 ? stages : undefined);
    });
    await new Promise((r) => setTimeout(r, 700)); // scheduler ticks: the worker is full, nothing more arrives
    expect(w.assignments.filter((a) => a.stage?.run === 'runs/grouped')).toHaveLength(4);
    const groupId = group[0]?.groupId ?? '';
    expect(groupId).not.toBe('');
    for (const a of group) {
      expect(a.groupId).toBe(groupId);
      expect(a.groupSize).toBe(4);
      expect(a.stage?.stage?.stage).toBe(1);
    }
    expect(new Set(group.map((a) => a.stage?.stage?.shard)).size).toBe(4);

    // A deletion in one member's data: that member is cancelled, its companions are not.
    const [victim, ...others] = group as [TaskAssignment__Output, ...TaskAssignment__Output[]];
    await client.deleteSamples('', 'runs/grouped', [idsOf(victim)[0] as string]);
    await eventually('the tainted member cancelled', 5_000, () => Promise.resolve(w.cancels.includes(victim.taskId) || undefined));
    expect(w.cancels).toEqual([victim.taskId]);

    // The companions' results commit as they would alone.
    for (const a of others) {
      taken.add(a.taskId);
      await w.result(a, true);
    }
    await eventually('companions committed', 5_000, async () => {
      const run = await client.getRun('runs/grouped');
      const committed = others.map((a) => run.shards[a.stage!.stage!.shard]?.orderings[0]?.stages[0]?.state);
      return committed.every((s) => s === 'STAGE_STATE_ACTIVE') || undefined;
    });
    // The freed capacity goes to the remaining stage-1 tasks, the cancelled one among them (retrained without the id).
    const next = await eventually('the victim reassigned', 10_000, () =>
      Promise.resolve(w.assignments.find((a) => !taken.has(a.taskId) && a.taskId !== victim.taskId && a.stage?.stage?.shard === victim.stage?.stage?.shard)),
    );
    expect(next.stage?.excludedSampleIds).toHaveLength(1);
    w.close();
    await eventually('w-batched gone', 5_000, async () => (await client.listWorkers()).workers.every((x) => x.name !== 'workers/w-batched' || x.state === 'WORKER_STATE_LOST') || undefined);
  });

  it('a worker that announces no batch capacity gets one task per slot, with no group', async () => {
    // The first run still has stage tasks to place: they go to this worker, one per slot.
    const w = await worker('w-single', { slots: 2 });
    const stages = await eventually('two stage tasks', 10_000, () => Promise.resolve(w.assignments.length >= 2 ? w.assignments : undefined));
    await new Promise((r) => setTimeout(r, 700));
    expect(w.assignments).toHaveLength(2);
    for (const a of stages) expect([a.groupId, a.groupSize, a.stage?.run]).toEqual(['', 0, 'runs/grouped']);
    w.close();
  });

  it('refuses a hello with a batch capacity out of range', async () => {
    const w = new ScriptedWorker(cluster.coordinator.address, 'w-greedy', cluster.artifacts, { batchCapacity: 100_000 }, await (await testSecurity()).worker('w-greedy'));
    await new Promise((r) => setTimeout(r, 500));
    expect((await client.listWorkers()).workers.some((x) => x.name === 'workers/w-greedy' && x.state !== 'WORKER_STATE_LOST')).toBe(false);
    w.close();
  });
});

describe('sharing: ready stages are spread over the workers with room, not all batched onto the first', () => {
  let cluster: EmbeddedCoordinator;

  beforeAll(async () => {
    cluster = await startEmbeddedCoordinator('/shares/');
  });
  afterAll(() => cluster.close());

  it('gives each of three idle workers (capacity 16) two of six ready stage-1 tasks, as groups of two', async () => {
    const workers = [await cluster.worker('w-a', { slots: 1, batchCapacity: 16 }), await cluster.worker('w-b', { slots: 1, batchCapacity: 16 }), await cluster.worker('w-c', { slots: 1, batchCapacity: 16 })];
    await cluster.client.createRun({ requestId: '', runId: 'spread', spec: sixShards });
    const pretrain = await eventually('pretraining assigned', 10_000, () => Promise.resolve(workers.flatMap((w) => w.assignments.filter((a) => a.pretrain?.run === 'runs/spread').map((a) => ({ w, a })))[0]));
    await pretrain.w.result(pretrain.a, true);
    const stagesOf = (w: ScriptedWorker): TaskAssignment__Output[] => w.assignments.filter((a) => a.stage?.run === 'runs/spread');
    await eventually('six stage tasks assigned', 10_000, () => Promise.resolve(workers.reduce((n, w) => n + stagesOf(w).length, 0) >= 6 || undefined));
    await new Promise((r) => setTimeout(r, 700)); // scheduler ticks: nothing more is ready
    for (const w of workers) {
      const stages = stagesOf(w);
      expect(stages).toHaveLength(2);
      expect(stages.map((a) => [a.stage?.stage?.stage, a.groupSize])).toEqual([
        [1, 2],
        [1, 2],
      ]);
      expect(stages[0]?.groupId).toBe(stages[1]?.groupId);
    }
    for (const w of workers) w.close();
  });

  it('gives a worker that says it is shutting down nothing new; it shows as draining', async () => {
    const [leaving, staying] = [await cluster.worker('w-leaving', { slots: 1, batchCapacity: 16 }), await cluster.worker('w-staying', { slots: 1, batchCapacity: 16 })];
    leaving.heartbeat([], true);
    await eventually('w-leaving draining', 5_000, async () => (await cluster.client.listWorkers()).workers.find((x) => x.name === 'workers/w-leaving')?.state === 'WORKER_STATE_DRAINING' || undefined);
    await cluster.client.createRun({ requestId: '', runId: 'leaving', spec: sixShards });
    const pretrain = await eventually('pretraining assigned', 10_000, () => Promise.resolve(staying.assignments.find((a) => a.pretrain?.run === 'runs/leaving')));
    await staying.result(pretrain, true);
    await eventually('six stage tasks on w-staying', 10_000, () => Promise.resolve(staying.assignments.filter((a) => a.stage?.run === 'runs/leaving').length >= 6 || undefined));
    expect(leaving.assignments).toHaveLength(0);
    leaving.close();
    staying.close();
  });
});
