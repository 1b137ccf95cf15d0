import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore } from '../../shared/src/adapters/fs/fs-artifact-store.js';
import { ThreadPoolTrainer } from '../../shared/src/ml/trainer.js';
import { parseRunSpec } from '../../shared/src/domain/run-spec.js';
import { newSampleIdKey, sampleIdDigest } from '../../shared/src/domain/sample-digest.js';
import { loadDataset } from '../../shared/src/ml/data/registry.js';
import { shardMembers } from '../../shared/src/ml/data/shard-members.js';
import { TaskExecutor, type StageTaskInput } from './task-executor.js';
import { FrozenPrefixCache } from '../../shared/src/ml/frozen-prefix-cache.js';
import { stageTasksOf } from './testing/stage-tasks.js';

const dir = mkdtempSync(join(tmpdir(), 'lethe-executor-'));
const trainer = new ThreadPoolTrainer({ threads: 1, backend: 'wasm' });
afterAll(async () => {
  await trainer.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TaskExecutor: stage tasks trained as one group store the artifacts they store alone', () => {
  it('same artifact digests (manifest, weights and id list) for every member, deleted samples left out', async () => {
    const artifacts = new FsArtifactStore(join(dir, 'artifacts'));
    const executor = new TaskExecutor({ artifacts, trainer });
    const spec = parseRunSpec({ dataset: { builtin: 'blobs', samples: 900, features: 6, classes: 3 }, shards: 4, slices: 2, budget: 1, epochs: 2 });
    const runSpecJson = JSON.stringify(spec);
    // Pretraining reports its start, then each epoch (samples seen so far), and stores the same backbone without the reports.
    const pretrainReports: { fraction: number; loss: number; samplesSeen: number }[] = [];
    const backbone = await executor.pretrain(runSpecJson, (p) => pretrainReports.push(p));
    expect(pretrainReports.map((r) => r.fraction)).toEqual(Array.from({ length: spec.pretrainEpochs + 1 }, (_, e) => e / spec.pretrainEpochs));
    expect(Number.isNaN(pretrainReports[0]?.loss) && pretrainReports[0]?.samplesSeen === 0).toBe(true);
    expect(pretrainReports.at(-1)?.samplesSeen).toBe(backbone.samplePasses);
    expect((await executor.pretrain(runSpecJson)).artifact).toBe(backbone.artifact);
    const salt = 'salt';
    const sampleIdKey = newSampleIdKey();
    const dataset = loadDataset(spec.dataset);
    const members = shardMembers(dataset, salt, spec.shards, spec.slices);
    const tasks: StageTaskInput[] = [0, 1, 2, 3].map((shard) => ({
      run: 'r',
      shard,
      ordering: [shard % 2, 1 - (shard % 2)],
      stage: 1,
      slices: [{ slice: shard % 2, generation: 0 }],
      parentArtifact: '',
      backboneArtifact: backbone.artifact,
      // Shard 2 has a deleted sample in its stage's slice.
      excludedSampleIds: shard === 2 ? [sampleIdDigest(sampleIdKey, dataset.ids[members[2]?.rows.find((_, i) => members[2]?.sliceOf[i] === 0) as number] as string)] : [],
      sharingOrderings: [0],
      runSpecJson,
      salt,
      sampleIdKey,
    }));
    const reports: { task: number; fraction: number; loss: number; samplesSeen: number }[] = [];
    const group = await executor.stageGroup(tasks, (task, p) => reports.push({ task, ...p }));
    expect(group.every((o) => o.ok)).toBe(true);
    // Each member reports its start (fraction 0, no loss yet), then each of its two epochs.
    for (let i = 0; i < tasks.length; i++) {
      const mine = reports.filter((r) => r.task === i);
      expect(mine.map((r) => r.fraction)).toEqual([0, 0.5, 1]);
      expect(Number.isNaN(mine[0]?.loss) && mine[0]?.samplesSeen === 0).toBe(true);
      expect(mine.slice(1).every((r) => Number.isFinite(r.loss) && r.samplesSeen > 0)).toBe(true);
    }
    for (let i = 0; i < tasks.length; i++) {
      const alone = await executor.stage(tasks[i] as StageTaskInput);
      const together = group[i];
      if (together?.ok !== true) throw new Error('unreachable');
      expect(together.output.artifact).toBe(alone.artifact);
      expect(together.output.manifestHash).toBe(alone.manifestHash);
    }
    const digests = new Set(group.map((o) => (o.ok ? o.output.artifact : '')));
    expect(digests.size).toBe(4); // different shards, different artifacts: the comparison can fail
    // The deleted sample is not among what shard 2's stage trained on.
    const two = group[2];
    if (two?.ok !== true) throw new Error('unreachable');
    expect(two.output.samplePasses).toBe(spec.epochs * ((members[2]?.sliceOf.filter((s) => s === 0).length ?? 0) - 1));
  });
});

/** Two executors on one artifact store, one with a cache, and stage tasks of shard 1 of a small blobs run. */
async function cacheFixture(name: string) {
  const artifacts = new FsArtifactStore(join(dir, name));
  const plain = new TaskExecutor({ artifacts, trainer });
  const cache = new FrozenPrefixCache(1 << 22);
  const cached = new TaskExecutor({ artifacts, trainer, frozenCache: cache });
  const spec = parseRunSpec({ dataset: { builtin: 'blobs', samples: 900, features: 6, classes: 3 }, shards: 3, slices: 2, budget: 1, epochs: 2 });
  const runSpecJson = JSON.stringify(spec);
  const backbone = await plain.pretrain(runSpecJson);
  const salt = 'salt-c';
  const sampleIdKey = newSampleIdKey();
  const dataset = loadDataset(spec.dataset);
  const shard = shardMembers(dataset, salt, spec.shards, spec.slices)[1] ?? { rows: [], sliceOf: [] };
  const inSlice = (s: number): string[] => shard.rows.filter((_, i) => shard.sliceOf[i] === s).map((r) => dataset.ids[r] as string);
  const task = stageTasksOf({ run: 'r', shard: 1, ordering: [0, 1], backboneArtifact: backbone.artifact, runSpecJson, salt, sampleIdKey });
  return { plain, cache, cached, shard, inSlice, task, dataset, sampleIdKey };
}

describe('TaskExecutor with a frozen-prefix cache', () => {
  it('stores the artifacts it stores without one, recomputes only rows it has not seen, and forgets deleted rows', async () => {
    const { plain, cached, shard, inSlice, task } = await cacheFixture('artifacts-cache');
    const both = async (t: StageTaskInput): Promise<string> => {
      const [a, b] = [await plain.stage(t), await cached.stage(t)];
      expect(b.artifact).toBe(a.artifact);
      expect(b.manifestHash).toBe(a.manifestHash);
      return a.artifact;
    };
    const one = await both(task(1, '', []));
    expect(cached.frozenCacheStats()).toMatchObject({ hits: 0, misses: inSlice(0).length, rows: inSlice(0).length });
    // Stage 2 trains on slices 0 and 1: slice 0's rows come from the cache.
    await both(task(2, one, []));
    expect(cached.frozenCacheStats()).toMatchObject({ hits: inSlice(0).length, misses: inSlice(0).length + inSlice(1).length, rows: shard.rows.length });
    // A deletion: its row leaves the cache before the retraining reads it (and is not put back), the retrained
    // stages are the same, and the second reads every row from the cache (no new miss).
    const gone = inSlice(0)[3] as string; // stage 1 trained on it: its retraining is the first task to see the deletion
    const again = await both(task(1, '', [gone]));
    expect(cached.frozenCacheStats()?.rows).toBe(shard.rows.length - 1);
    expect(plain.frozenCacheStats()).toBeUndefined();
    await both(task(2, again, [gone]));
    expect(cached.frozenCacheStats()).toMatchObject({ rows: shard.rows.length - 1, misses: inSlice(0).length + inSlice(1).length });
  });

  it('drops a deleted sample\'s rows when the deletion is announced, with no retraining task', async () => {
    const { plain, cache, cached, shard, inSlice, task, dataset, sampleIdKey } = await cacheFixture('artifacts-announce');
    await cached.stage(task(2, (await cached.stage(task(1, '', []))).artifact, []));
    expect(cache.stats.rows).toBe(shard.rows.length);
    const [gone, kept] = [inSlice(1)[2] as string, inSlice(1)[3] as string];
    const outsider = dataset.ids.find((id) => !shard.rows.some((r) => dataset.ids[r] === id)) as string;
    const digest = (id: string): string => sampleIdDigest(sampleIdKey, id);
    // What does not name a held row of that run's shard and slice drops nothing.
    const announce = { run: 'r', shard: 1, slice: 1, sampleIds: [digest(gone), digest(outsider)] };
    expect(cached.forgetDeleted({ ...announce, run: 'other' })).toBe(0);
    expect(cached.forgetDeleted({ ...announce, slice: 0 })).toBe(0);
    for (const bad of [{ shard: 3 }, { shard: -1 }, { slice: 2 }, { shard: 0.5 }]) expect(cached.forgetDeleted({ ...announce, ...bad })).toBe(0);
    expect(cached.forgetDeleted({ ...announce, sampleIds: [sampleIdDigest(newSampleIdKey(), gone)] })).toBe(0);
    expect(plain.forgetDeleted(announce)).toBe(0);
    expect(cache.holdsAnywhere(gone)).toBe(true);
    // The announcement itself: only that row goes.
    expect(cached.forgetDeleted(announce)).toBe(1);
    expect(cache.holdsAnywhere(gone)).toBe(false);
    expect(cache.holdsAnywhere(kept)).toBe(true);
    expect(cache.stats).toMatchObject({ rows: shard.rows.length - 1, forgotten: 1 });
  });

  it('drops what it keeps for a run when the run is deleted', async () => {
    const { cache, cached, inSlice, task } = await cacheFixture('artifacts-run-deleted');
    await cached.stage(task(1, '', []));
    expect(cached.cachedRows('r')).toBe(inSlice(0).length);
    expect(cached.forgetRun('other')).toBe(0);
    expect(cached.forgetRun('r')).toBe(inSlice(0).length);
    expect(cached.cachedRows('r')).toBe(0);
    expect(cache.stats.rows).toBe(0);
    expect(cached.forgetRun('r')).toBe(0);
  });

  it('drops every row when the worker re-attaches, and a task prepared before that stores none of its rows', async () => {
    const { cache, cached, inSlice, task } = await cacheFixture('artifacts-reattach');
    const one = (await cached.stage(task(1, '', []))).artifact;
    expect(cache.stats.rows).toBe(inSlice(0).length);
    expect(cached.dropCache()).toBe(inSlice(0).length);
    expect(cache.stats.rows).toBe(0);
    // Stage 2 computes slices 0 and 1; the worker re-attaches while it trains: nothing it computed is kept.
    const running = cached.stage(task(2, one, []));
    expect(cached.dropCache()).toBe(0);
    await running;
    expect(cache.stats.rows).toBe(0);
    // A task prepared after the re-attach fills the cache again.
    await cached.stage(task(1, '', []));
    expect(cache.stats.rows).toBe(inSlice(0).length);
  });
});

describe('TaskExecutor: backbones', () => {
  it('reads (and verifies) a backbone once for all its tasks, and keeps no failed read', async () => {
    const store = new FsArtifactStore(join(dir, 'artifacts-backbone'));
    const reads = new Map<string, number>();
    let failNext = false;
    const counting = {
      put: (bytes: Uint8Array) => store.put(bytes),
      get: async (digest: string) => {
        reads.set(digest, (reads.get(digest) ?? 0) + 1);
        if (failNext) {
          failNext = false;
          throw new Error('disk on fire');
        }
        return store.get(digest);
      },
      has: (digest: string) => store.has(digest),
      delete: (digest: string) => store.delete(digest),
      list: () => store.list(),
    };
    const spec = parseRunSpec({ dataset: { builtin: 'blobs', samples: 600, features: 6, classes: 3 }, shards: 2, slices: 2, budget: 1, epochs: 1 });
    const runSpecJson = JSON.stringify(spec);
    const executor = new TaskExecutor({ artifacts: counting, trainer });
    const backbone = await executor.pretrain(runSpecJson);
    const task = (shard: number): StageTaskInput => ({
      run: 'r',
      shard,
      ordering: [0, 1],
      stage: 1,
      slices: [{ slice: 0, generation: 0 }],
      parentArtifact: '',
      backboneArtifact: backbone.artifact,
      excludedSampleIds: [],
      sharingOrderings: [0],
      runSpecJson,
      salt: 's',
      sampleIdKey: newSampleIdKey(),
    });
    failNext = true;
    await expect(executor.stage(task(0))).rejects.toThrow(/disk on fire/);
    await executor.stage(task(0));
    await executor.stage(task(1));
    await executor.stageGroup([task(0), task(1)]);
    expect(reads.get(backbone.artifact)).toBe(2); // the failed read, then one for every later task
  });
});
