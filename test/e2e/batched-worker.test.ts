import { describe, expect, it } from 'vitest';
import { getStage, trainedIds } from '../../shared/src/ml/run-model.js';
import { parseRunSpec } from '../../shared/src/domain/run-spec.js';
import { loadDataset } from '../../shared/src/ml/data/registry.js';
import { shardMembers } from '../../shared/src/ml/data/shard-members.js';
import { eventually } from '../support/eventually.js';
import { useInProcessCluster } from '../support/in-process.js';

const PREFIX = '/batched/';
// 4 shards × 2 orderings: 8 stage-1 tasks are ready at once, one group for a worker of capacity 8.
const spec = { dataset: { builtin: 'blobs', samples: 1600, features: 8, classes: 3 }, shards: 4, slices: 2, budget: 2, epochs: 30, pretrainEpochs: 1, model: { hidden: 16, loraRank: 2 } };

describe('a real worker trains groups of stages in one computation, with a deletion landing while a group trains', () => {
  /** The size of every group the worker trained. */
  const groups: number[] = [];
  const cluster = useInProcessCluster({
    name: 'batched',
    prefix: PREFIX,
    workerId: 'bw',
    backend: 'wasm',
    worker: {
      batchCapacity: 8,
      beforeStart: (executor) => {
        const stageGroup = executor.stageGroup.bind(executor);
        executor.stageGroup = (tasks, onProgress, signals) => {
          groups.push(tasks.length);
          return stageGroup(tasks, onProgress, signals);
        };
      },
    },
  });

  it('trains the run in groups; the deleted id is in no committed stage; every stage is active at the end', async () => {
    const { client, artifacts, worker } = cluster;
    const op = await client.createRun({ requestId: '', runId: 'grouped', spec });
    await eventually('the first group of 8 training', 60_000, () => Promise.resolve(groups.includes(8) || undefined));
    // A deletion in one member's slice while the group trains: that member is cancelled and retrained without it.
    const data = loadDataset(parseRunSpec(spec).dataset);
    const run = await client.getRun('runs/grouped');
    const members = shardMembers(data, run.salt, 4, 2)[0];
    const victim = data.ids[members?.rows[0] as number] as string;
    await client.deleteSamples('', 'runs/grouped', [victim]);
    await client.waitForOperation(op.name, 120_000);
    const done = await client.getRun('runs/grouped');
    let stages = 0;
    for (const shard of done.shards) {
      for (const o of shard.orderings) {
        for (const st of o.stages) {
          expect(st.state).toBe('STAGE_STATE_ACTIVE');
          const ids = await trainedIds(artifacts, (await getStage(artifacts, st.artifact)).manifest.sampleIdsHash);
          expect(ids).not.toContain(victim);
          stages++;
        }
      }
    }
    expect(stages).toBe(4 * 2 * 2);
    expect(Math.max(...groups)).toBe(8);
    // The worker counts what it trained: every committed or discarded result, and the cancelled member's epochs.
    const m = worker.agent.metrics;
    expect(await m.stageSamplePassesTotal('ok')).toBe(Number(done.trainSamplePasses) + Number(done.discardedSamplePasses));
    expect(await m.stageSamplePassesTotal('cancelled')).toBeGreaterThan(0);
  });
});
