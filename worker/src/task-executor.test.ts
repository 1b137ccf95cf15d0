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
    const backbone = await executor.pretrain(runSpecJson);
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
    const group = await executor.stageGroup(tasks);
    expect(group.every((o) => o.ok)).toBe(true);
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
