import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FsArtifactStore } from '../../shared/src/adapters/fs/fs-artifact-store.js';
import { parseRunSpec } from '../../shared/src/domain/run-spec.js';
import { loadDataset } from '../../shared/src/ml/data/registry.js';
import { eventually } from '../support/eventually.js';
import { useInProcessCluster } from '../support/in-process.js';

/** An artifact store that runs `beforeGet` once, before the read of one digest. */
class HookedStore extends FsArtifactStore {
  hook: { digest: string; beforeGet: () => Promise<void> } | undefined;
  override async get(digest: string): Promise<Uint8Array> {
    const h = this.hook;
    if (h !== undefined && h.digest === digest) {
      this.hook = undefined;
      await h.beforeGet();
    }
    return super.get(digest);
  }
}

const PREFIX = '/predict-purge/';
const spec = { dataset: { builtin: 'blobs', samples: 600, features: 4, classes: 2 }, shards: 1, slices: 2, budget: 1, epochs: 3, pretrainEpochs: 1, model: { hidden: 16, loraRank: 2 } };

/**
 * A Predict chooses a shard's stages, then loads their artifacts. A deletion landing in between deactivates a chosen
 * stage and the scheduler purges its artifact: the call must choose again from the newer record, not fail with
 * NOT_FOUND (under a deletion stream, bench:stream's accuracy sampler died on exactly that).
 */
describe('Predict while a deletion purges the stage it chose', () => {
  const cluster = useInProcessCluster({ name: 'predict-purge', prefix: PREFIX, workerId: 'pw', backend: 'wasm', artifacts: (dir) => new HookedStore(join(dir, 'artifacts')) });

  it('answers from the shard\'s stages after the deletion instead of failing on the purged artifact', async () => {
    const { client, artifacts } = cluster;
    await client.waitForOperation((await client.createRun({ requestId: '', runId: 'p', spec })).name, 120_000);
    const run = await client.getRun('runs/p');
    const stages = run.shards[0]?.orderings[0]?.stages ?? [];
    const second = stages[1];
    const lastSlice = second?.trainedOn.at(-1)?.slice;
    expect(second?.state).toBe('STAGE_STATE_ACTIVE');
    const data = loadDataset(parseRunSpec(spec).dataset);
    let victim = '';
    for (const r of data.split.user) {
      const id = data.ids[r] as string;
      if ((await client.whereIs('runs/p', id)).slice === lastSlice) {
        victim = id;
        break;
      }
    }
    expect(victim).not.toBe('');
    let purged = false;
    artifacts.hook = {
      digest: second?.artifact as string,
      // Between the choice and the read: the deletion deactivates stage 2 and the scheduler deletes its artifact.
      beforeGet: async () => {
        await client.deleteSamples('', 'runs/p', [victim]);
        await eventually('stage 2 purged', 10_000, async () => !(await artifacts.has(second?.artifact as string)) || undefined);
        purged = true;
      },
    };
    const p = await client.predict('runs/p', [2, 4], new Float32Array(8));
    expect(purged).toBe(true);
    expect(p.predictedClasses).toHaveLength(2);
    expect(p.serving[0]?.live).toBe(true);
  });

  it('an active stage\'s artifact lost with no deletion behind it is INTERNAL, not a silent re-choice', async () => {
    const { client, artifacts } = cluster;
    // Another seed: other digests than the first run's, none of them cached by an earlier Predict.
    await client.waitForOperation((await client.createRun({ requestId: '', runId: 'lost', spec: { ...spec, seed: 2 } })).name, 120_000);
    const stage = (await client.getRun('runs/lost')).shards[0]?.orderings[0]?.stages[1];
    expect(stage?.state).toBe('STAGE_STATE_ACTIVE');
    await artifacts.delete(stage?.artifact as string);
    const err = await client.predict('runs/lost', [1, 4], new Float32Array(4)).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(err?.code).toBe('INTERNAL');
    expect(err?.message).toMatch(/missing from the artifact store/);
  });
});
