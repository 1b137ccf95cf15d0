import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CANCEL_GRACE_MS, ThreadPoolTrainer } from './trainer.js';
import { makeBlobs } from './data/synthetic.js';
import { gatherRows } from './data/dataset.js';
import { ModelConfigSchema } from './model-config.js';
import type { ShardJobInput, ShardJobProgress } from './shard-job.js';
import { originalWeights } from './unlearning/original.js';

const pool = new ThreadPoolTrainer({ threads: 1, backend: 'wasm' });
afterAll(() => pool.close());

/** Two shard jobs (seeds 0 and 1) of `rows` blobs rows each, one stage, on a backbone pretrained in the pool. */
async function groupOf(rows: number, hidden: number, epochs: number): Promise<ShardJobInput[]> {
  const d = makeBlobs({ samples: rows + 300, features: 16, classes: 3 });
  const config = ModelConfigSchema.parse({ inputShape: [16], task: 'classification', outputs: 3, hidden, blocks: 2, adapterBlocks: 2, batchSize: 16 });
  const pub = gatherRows(d, d.split.public);
  const pre = await pool.pretrain({ config, x: pub.x, y: pub.y, epochs: 1, seed: 1 });
  const user = Array.from(d.split.user).slice(0, rows);
  return [0, 1].map((s) => ({
    config,
    backbone: pre.backbone,
    pretrainedHead: pre.head,
    ids: user.map((r) => d.ids[r] as string),
    ...gatherRows(d, user),
    sliceOf: new Int32Array(user.length),
    deleted: new Uint8Array(user.length),
    prefixes: [[0]],
    parents: {},
    epochs,
    seed: s,
  }));
}

describe('ThreadPoolTrainer', () => {
  it('pretrains and trains stages in a training thread, reporting progress after every epoch', async () => {
    const d = makeBlobs({ samples: 300, features: 8, classes: 3 });
    const config = ModelConfigSchema.parse({ inputShape: [8], task: 'classification', outputs: 3, hidden: 16, blocks: 2, adapterBlocks: 2 });
    const pub = gatherRows(d, d.split.public);
    const pre = await pool.pretrain({ config, x: pub.x, y: pub.y, epochs: 2, seed: 1 });
    expect(pre.samplePasses).toBe(2 * d.split.public.length);
    const user = gatherRows(d, d.split.user);
    const progress: ShardJobProgress[] = [];
    const stages = await pool.trainShard(
      {
        config,
        backbone: pre.backbone,
        pretrainedHead: pre.head,
        ids: Array.from(d.split.user, (r) => d.ids[r] as string),
        x: user.x,
        y: user.y,
        sliceOf: Int32Array.from(d.split.user, (_, i) => i % 2),
        deleted: new Uint8Array(d.split.user.length),
        prefixes: [[0], [0, 1]],
        parents: {},
        epochs: 3,
        seed: 1,
      },
      (p) => progress.push(p),
    );
    expect(stages.map((s) => s.stage)).toEqual([1, 2]);
    expect(progress).toHaveLength(2 * 3);
    expect(progress.filter((p) => p.prefix.length === 2).map((p) => p.fraction)).toEqual([1 / 3, 2 / 3, 1]);
    expect(progress.every((p) => Number.isFinite(p.loss))).toBe(true);
  });

  it('cancels a running lone shard job at its next epoch boundary, keeping its thread, and keeps serving jobs after', async () => {
    const d = makeBlobs({ samples: 3000, features: 32, classes: 3 });
    const config = ModelConfigSchema.parse({ inputShape: [32], task: 'classification', outputs: 3, hidden: 64, blocks: 2, adapterBlocks: 2 });
    const pub = gatherRows(d, d.split.public);
    const ac = new AbortController();
    const started = performance.now();
    const busyBefore = pool.busySeconds;
    const long = pool.trainShard(
      {
        config,
        backbone: (await pool.pretrain({ config, x: pub.x, y: pub.y, epochs: 1, seed: 1 })).backbone,
        pretrainedHead: (await pool.pretrain({ config, x: pub.x, y: pub.y, epochs: 1, seed: 1 })).head,
        ids: Array.from(d.split.user, (r) => d.ids[r] as string),
        ...gatherRows(d, d.split.user),
        sliceOf: new Int32Array(d.split.user.length),
        deleted: new Uint8Array(d.split.user.length),
        prefixes: [[0]],
        parents: {},
        epochs: 500, // minutes of work if not cancelled
        seed: 1,
      },
      undefined,
      ac.signal,
    );
    const replaced = pool.threadsReplaced;
    setTimeout(() => ac.abort(), 300);
    await expect(long).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(pool.threadsReplaced).toBe(replaced); // it stopped by itself, within the grace
    expect(performance.now() - started).toBeLessThan(20_000);
    // The cut-short job's time counts as busy (it was cancelled 300 ms in), within the wall time the pool had.
    const busy = pool.busySeconds - busyBefore;
    expect(busy).toBeGreaterThanOrEqual(0.29);
    expect(busy).toBeLessThanOrEqual(((performance.now() - started) / 1000) * pool.parallelism);
    const after = await pool.pretrain({ config, x: pub.x, y: pub.y, epochs: 1, seed: 1 });
    expect(after.samplePasses).toBe(pub.y.length);
  });

  it('trains a group of shard jobs in one thread; a member cancelled mid-way is dropped, the others match their lone training', async () => {
    const d = makeBlobs({ samples: 1200, features: 8, classes: 3 });
    const config = ModelConfigSchema.parse({ inputShape: [8], task: 'classification', outputs: 3, hidden: 16, blocks: 2, adapterBlocks: 2, batchSize: 16 });
    const pub = gatherRows(d, d.split.public);
    const pre = await pool.pretrain({ config, x: pub.x, y: pub.y, epochs: 1, seed: 1 });
    const jobs = [0, 1, 2].map((s) => {
      const rows = Array.from(d.split.user).filter((_, i) => i % 3 === s);
      return {
        config,
        backbone: pre.backbone,
        pretrainedHead: pre.head,
        ids: rows.map((r) => d.ids[r] as string),
        ...gatherRows(d, rows),
        sliceOf: Int32Array.from(rows, (_, i) => i % 2),
        deleted: new Uint8Array(rows.length),
        prefixes: [[0], [0, 1]],
        parents: {},
        epochs: 40,
        seed: s,
      };
    });
    const cancel = new AbortController();
    const outcomes = await pool.trainShards(jobs, {
      jobSignals: [undefined, cancel.signal, undefined],
      onProgress: (job, p) => {
        if (job === 1 && p.epoch === 2) cancel.abort();
      },
    });
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    const alone = await pool.trainShards([jobs[2] as (typeof jobs)[number]]);
    const [together, single] = [outcomes[2], alone[0]];
    if (together?.ok !== true || single?.ok !== true) throw new Error('unreachable');
    expect(together.stages.map((st) => Array.from(st.adapter['b']?.data ?? []))).toEqual(single.stages.map((st) => Array.from(st.adapter['b']?.data ?? [])));
  });

  it('a cancelled group stops at its next epoch boundary and keeps its thread; one that does not stop in time gets a new one', async () => {
    // Short epochs, minutes of them: the group stops at an epoch boundary, well within the grace.
    const short = await groupOf(64, 16, 100_000);
    const replacedBefore = pool.threadsReplaced;
    const stop = new AbortController();
    let cancelledAt = 0;
    const group = pool.trainShards(short, {
      signal: stop.signal,
      onProgress: (_, p) => {
        if (p.epoch === 3 && cancelledAt === 0) {
          cancelledAt = performance.now();
          stop.abort();
        }
      },
    });
    await expect(group).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(performance.now() - cancelledAt).toBeLessThan(DEFAULT_CANCEL_GRACE_MS);
    expect(pool.threadsReplaced).toBe(replacedBefore);
    // One epoch far longer than the grace: the thread is replaced, and the pool goes on serving.
    const impatient = new ThreadPoolTrainer({ threads: 1, backend: 'wasm', cancelGraceMs: 50 });
    try {
      const long = await groupOf(20_000, 128, 1);
      const abort = new AbortController();
      const running = impatient.trainShards(long, { signal: abort.signal });
      setTimeout(() => abort.abort(), 100);
      await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(impatient.threadsReplaced).toBe(1);
      const after = await impatient.trainShards(short.map((j) => ({ ...j, epochs: 1 })));
      expect(after.every((o) => o.ok)).toBe(true);
    } finally {
      await impatient.close();
    }
    expect(() => new ThreadPoolTrainer({ threads: 1, backend: 'wasm', cancelGraceMs: -1 })).toThrow(RangeError);
  });

  it('cancels a running unlearning job at its next batch, keeping its thread', async () => {
    const d = makeBlobs({ samples: 3000, features: 32, classes: 3 });
    const config = ModelConfigSchema.parse({ inputShape: [32], task: 'classification', outputs: 3, hidden: 64, blocks: 2, adapterBlocks: 2 });
    const pub = gatherRows(d, d.split.public);
    const pre = await pool.pretrain({ config, x: pub.x, y: pub.y, epochs: 1, seed: 1 });
    const user = Array.from(d.split.user);
    const recipe = { epochs: 1, batchSize: 32, learningRate: 0.01, seed: 3 };
    const full = await pool.trainFull({ config, backbone: pre.backbone, pretrainedHead: pre.head, ...gatherRows(d, user), epochs: recipe.epochs, seed: recipe.seed });
    const replaced = pool.threadsReplaced;
    const ac = new AbortController();
    const job = pool.unlearn(
      {
        config,
        backbone: pre.backbone,
        pretrainedHead: pre.head,
        original: originalWeights(full),
        recipe,
        method: 'ft',
        params: { epochs: 200 }, // tens of seconds if not cancelled
        seed: 1,
        forget: gatherRows(d, user.slice(0, 50)),
        retain: gatherRows(d, user.slice(50)),
        test: gatherRows(d, d.split.test),
        evaluate: false,
      },
      undefined,
      ac.signal,
    );
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      ac.abort();
    }, 300);
    await expect(job).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(performance.now() - abortedAt).toBeLessThan(DEFAULT_CANCEL_GRACE_MS);
    expect(pool.threadsReplaced).toBe(replaced);
  });

  it('says when a group starts training: once a thread takes it (after the one before it ends), before its first progress', async () => {
    const [long] = await groupOf(300, 16, 20);
    const [short] = await groupOf(300, 16, 2);
    const events: string[] = [];
    // One thread: the second group waits for the first to end before it starts.
    const first = pool.trainShards([long as ShardJobInput], { onStart: () => events.push('first started'), onProgress: (_, p) => void (p.epoch === 19 && events.push('first epoch 19')) });
    const second = pool.trainShards([short as ShardJobInput], { onStart: () => events.push('second started'), onProgress: (_, p) => events.push(`second epoch ${p.epoch}`) });
    await Promise.all([first, second]);
    expect(events).toEqual(['first started', 'first epoch 19', 'second started', 'second epoch 0', 'second epoch 1']);
  });

  it('a pretraining reports its start and every epoch, and a cancel stops it (its thread kept when it stops in time)', async () => {
    const d = makeBlobs({ samples: 300, features: 8, classes: 3 });
    const config = ModelConfigSchema.parse({ inputShape: [8], task: 'classification', outputs: 3, hidden: 16, blocks: 2, adapterBlocks: 2 });
    const pub = gatherRows(d, d.split.public);
    const events: string[] = [];
    const pre = await pool.pretrain({ config, x: pub.x, y: pub.y, epochs: 3, seed: 1 }, { onStart: () => events.push('start'), onProgress: (p) => events.push(`${p.epoch} ${p.fraction.toFixed(2)} ${Number.isFinite(p.loss)}`) });
    expect(events).toEqual(['start', '0 0.33 true', '1 0.67 true', '2 1.00 true']);
    // The same result as without the reports: they only watch.
    const plain = await pool.pretrain({ config, x: pub.x, y: pub.y, epochs: 3, seed: 1 });
    expect(plain.backbone).toEqual(pre.backbone);
    const replacedBefore = pool.threadsReplaced;
    const stop = new AbortController();
    const long = pool.pretrain({ config, x: pub.x, y: pub.y, epochs: 100_000, seed: 1 }, { signal: stop.signal, onProgress: (p) => void (p.epoch === 2 && stop.abort()) });
    await expect(long).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(pool.threadsReplaced).toBe(replacedBefore);
    expect((await pool.pretrain({ config, x: pub.x, y: pub.y, epochs: 1, seed: 1 })).samplePasses).toBe(d.split.public.length);
  });

  it('fails a job with a typed error instead of crashing the pool', async () => {
    const config = ModelConfigSchema.parse({ inputShape: [8], task: 'classification', outputs: 3, hidden: 16, blocks: 2, adapterBlocks: 2 });
    await expect(pool.pretrain({ config, x: new Float32Array(8 * 4), y: Float32Array.from([0, 1, 2]), epochs: 1, seed: 1 })).rejects.toThrow(/training thread/);
  });
});
