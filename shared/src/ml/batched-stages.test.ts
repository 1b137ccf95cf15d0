import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';
import { makeBlobs } from './data/synthetic.js';
import { gatherRows } from './data/dataset.js';
import { ModelConfigSchema, type ModelConfigInput } from './model-config.js';
import { runPretrainJob, runShardJob, runShardJobs, type ShardJobInput, type TrainedStage } from './shard-job.js';
import { triePrefixes } from '../domain/shard-machine.js';
import { cyclicSelect } from '../domain/cyclic.js';

beforeAll(async () => {
  await selectBackend({ forced: 'wasm' });
});

/** Shard jobs of one run: different shards (sizes, deleted rows), all orderings of B = 2 cyclic selection. */
async function jobsOf(configInput: ModelConfigInput, shards: number, opts: { epochs?: number; regression?: boolean } = {}): Promise<ShardJobInput[]> {
  const d = makeBlobs({ samples: 900, features: 12, classes: 3, seed: 3 });
  const config = ModelConfigSchema.parse(configInput);
  const pub = gatherRows(d, d.split.public);
  const pre = await runPretrainJob({ config, x: pub.x, y: opts.regression === true ? pub.y.map((v) => v / 2) : pub.y, epochs: 1, seed: 4 });
  const L = config.adapterBlocks;
  return Array.from({ length: shards }, (_, s) => {
    const rows = Array.from(d.split.user).filter((_, i) => i % shards === s).slice(0, 60 + 37 * s); // unequal shard sizes
    const user = gatherRows(d, rows);
    return {
      config,
      backbone: pre.backbone,
      pretrainedHead: pre.head,
      ids: rows.map((r) => d.ids[r] as string),
      x: user.x,
      y: opts.regression === true ? user.y.map((v) => v / 2) : user.y,
      sliceOf: Int32Array.from(rows, (_, i) => i % L),
      deleted: Uint8Array.from(rows, (_, i) => (i % 11 === s ? 1 : 0)),
      prefixes: triePrefixes(cyclicSelect(L, 2)),
      parents: {},
      epochs: opts.epochs ?? 2,
      seed: 10 + s,
    };
  });
}

function expectSameStages(a: readonly TrainedStage[], b: readonly TrainedStage[]): void {
  expect(a.map((s) => s.prefix)).toEqual(b.map((s) => s.prefix));
  a.forEach((s, i) => {
    const t = b[i] as TrainedStage;
    expect(t.sampleIds).toEqual(s.sampleIds);
    expect(t.samplePasses).toBe(s.samplePasses);
    for (const part of ['adapter', 'head'] as const) {
      for (const [name, w] of Object.entries(s[part])) expect(Buffer.from(t[part][name]?.data.buffer ?? new ArrayBuffer(0)).equals(Buffer.from(w.data.buffer))).toBe(true);
    }
  });
}

const CLS: ModelConfigInput = { inputShape: [12], task: 'classification', outputs: 3, hidden: 16, blocks: 3, adapterBlocks: 3, batchSize: 16 };

describe('batched stage training', () => {
  it('trains each stage of a group exactly as it trains alone (bit-equal weights on wasm)', async () => {
    const jobs = await jobsOf(CLS, 4);
    const together = await runShardJobs(jobs);
    for (let j = 0; j < jobs.length; j++) {
      const alone = await runShardJob(jobs[j] as ShardJobInput);
      const outcome = together[j];
      if (outcome?.ok !== true) throw new Error('a job of the group failed');
      expectSameStages(outcome.stages, alone);
    }
    // The cpu backend's formulation (one XNNPACK product per task, rows copied from the host) on the same jobs.
    const engine = { taskProducts: 'per-task', rowSource: 'host' } as const;
    const perTask = await runShardJobs(jobs, { engine });
    for (let j = 0; j < jobs.length; j++) {
      const [alone] = await runShardJobs([jobs[j] as ShardJobInput], { engine });
      const group = perTask[j];
      if (group?.ok !== true || alone?.ok !== true) throw new Error('a job failed');
      expectSameStages(group.stages, alone.stages);
    }
    expect(together.every((o) => o.ok && o.stages.length === triePrefixes(cyclicSelect(3, 2)).length)).toBe(true);
    // The comparison can fail: two different shards' stages differ.
    const [a, b] = together.map((o) => (o.ok ? o.stages : []));
    expect(() => expectSameStages((a as TrainedStage[]).slice(0, 1), (b as TrainedStage[]).slice(0, 1))).toThrow();
  });

  it('gives the same weights whatever the group size limit (chunks of 1, 3, 64)', async () => {
    const jobs = await jobsOf({ ...CLS, task: 'regression', outputs: 1, regressionLoss: 'l1' }, 3, { regression: true });
    const runs = await Promise.all([1, 3, 64].map(async (maxBatch) => runShardJobs(jobs, { maxBatch })));
    const [one, ...others] = runs.map((r) => r.map((o) => (o.ok ? o.stages : [])));
    for (const other of others) other.forEach((stages, j) => expectSameStages(stages, (one as TrainedStage[][])[j] as TrainedStage[]));
  });

  it('the GPU formulation (batched products, rows gathered on the device) also gives each task its lone weights', async () => {
    const jobs = await jobsOf(CLS, 3);
    for (const autodiffProducts of [false, true]) {
      const engine = { taskProducts: 'batched', rowSource: 'device', autodiffProducts } as const;
      const together = await runShardJobs(jobs, { engine });
      for (let j = 0; j < jobs.length; j++) {
        const [alone] = await runShardJobs([jobs[j] as ShardJobInput], { engine });
        const group = together[j];
        if (group?.ok !== true || alone?.ok !== true) throw new Error('a job failed');
        expect(group.stages).toHaveLength(triePrefixes(cyclicSelect(3, 2)).length);
        expectSameStages(group.stages, alone.stages);
      }
    }
  });

  it('Lethe’s wasm kernels train a stage to the very weights TF.js’s own ops give (bit-equal)', async () => {
    // Both sum every product element in the same order without fused multiply-adds (XNNPACK's wasm GEMM included),
    // and the fused layers round in the order of the separate ops: the kernels change the speed, not the model.
    const [job] = await jobsOf({ ...CLS, hidden: 64 }, 1, { epochs: 3 });
    const [kernel] = await runShardJobs([job as ShardJobInput], { engine: { taskProducts: 'kernel' } });
    const [ops] = await runShardJobs([job as ShardJobInput], { engine: { taskProducts: 'per-task', rowSource: 'host' } });
    if (kernel?.ok !== true || ops?.ok !== true) throw new Error('a job failed');
    expectSameStages(kernel.stages, ops.stages);
  });

  it('learns: the loss of a stage falls over epochs', async () => {
    const [job] = await jobsOf(CLS, 1, { epochs: 12 });
    const losses: number[] = [];
    await runShardJobs([{ ...(job as ShardJobInput), prefixes: [[0]] }], { onProgress: (_, p) => losses.push(p.loss) });
    expect(losses).toHaveLength(12);
    expect(losses.at(-1) as number).toBeLessThan((losses[0] as number) * 0.8);
  });

  it('cancelling one job of a group drops that job only; the others keep their weights', async () => {
    const jobs = await jobsOf(CLS, 3);
    const ac = new AbortController();
    let seen = 0;
    const outcomes = await runShardJobs(jobs, {
      jobSignals: [undefined, ac.signal, undefined],
      onProgress: (job) => {
        if (job === 1 && ++seen === 1) ac.abort();
      },
    });
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    for (const j of [0, 2]) {
      const outcome = outcomes[j];
      if (outcome?.ok !== true) throw new Error('unreachable');
      expectSameStages(outcome.stages, await runShardJob(jobs[j] as ShardJobInput));
    }
  });

  it('refuses to batch jobs of different models or backbones', async () => {
    const [a, b] = await jobsOf(CLS, 2);
    const other = { ...(b as ShardJobInput), epochs: 3 };
    await expect(runShardJobs([a as ShardJobInput, other])).rejects.toThrow(/one epoch count/);
    const bent = { ...(b as ShardJobInput), backbone: { ...(b as ShardJobInput).backbone, inB: { shape: [16], data: new Float32Array(16).fill(1) } } };
    await expect(runShardJobs([a as ShardJobInput, bent])).rejects.toThrow(/one frozen backbone/);
  });
});
