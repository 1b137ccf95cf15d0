import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../tf.js';
import { selectBackend } from '../backend.js';
import { gatherRows } from '../data/dataset.js';
import { loadBostonHousing, loadCpsWages, standardisedTarget } from '../data/regression-data.js';
import { makeBlobs } from '../data/synthetic.js';
import { ModelConfigSchema } from '../model-config.js';
import { prunedWeightsAtZero, trainOriginal } from '../../testing/unlearning-fixture.js';
import { concatSets } from './data.js';
import { openJob, runUnlearnJob, type OpenedJob, type UnlearnJobInput } from './job.js';
import { attentionMap, blindspotLoss } from './methods/blindspot.js';
import { setLoss } from './methods/common.js';
import { normalDraws } from './methods/gaussian-ft.js';
import { paramsFromWeights, type Params } from './net.js';
import { anamnesisIndex, cohortErrors, evaluateRegression, lossMia, predictionsOf, wasserstein1d } from './regression-metrics.js';

describe('regression read-outs', () => {
  it('the 1-D Wasserstein distance is the area between the empirical CDFs (scipy values)', () => {
    expect(wasserstein1d([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 10);
    expect(wasserstein1d([0, 10], [0])).toBeCloseTo(5, 10);
    expect(wasserstein1d([1, 2, 3], [3, 2, 1])).toBe(0);
    expect(wasserstein1d([0, 1], [0.5])).toBeCloseTo(0.5, 10);
    expect(wasserstein1d([], [1])).toBeNaN();
  });

  it('cohort errors are sample-weighted means', () => {
    expect(cohortErrors([1, 2, 4], [1, 1, 1])).toEqual({ mae: 4 / 3, mse: 10 / 3 });
    expect(() => cohortErrors([1], [1, 2])).toThrow(/1 predictions for 2 targets/);
  });

  it('the loss attack calls low-loss rows members and high-loss rows non-members', async () => {
    const members = Array.from({ length: 200 }, (_, i) => 0.01 * (i % 10));
    const nonMembers = Array.from({ length: 200 }, (_, i) => 1 + 0.01 * (i % 10));
    const remembered = await lossMia(members, nonMembers, [0.02, 0.03, 0.05], 1);
    const forgotten = await lossMia(members, nonMembers, [1.02, 1.05, 1.07], 1);
    expect(remembered.shadowAccuracy).toBe(100);
    expect(remembered.efficacy).toBe(0);
    expect(forgotten.efficacy).toBe(100);
  });

  it('Gaussian draws are seeded and have the asked moments', () => {
    const a = normalDraws(20_000, 3, 2, 7);
    expect(Array.from(normalDraws(5, 3, 2, 7))).toEqual(Array.from(a.subarray(0, 5)));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(mean).toBeCloseTo(3, 1);
    expect(sd).toBeCloseTo(2, 1);
  });
});

describe('regression datasets', () => {
  it('Boston and CPS load with stable ids, public-split standardisation and their targets', () => {
    const b = loadBostonHousing();
    expect(b.ids.length).toBe(506);
    expect(b.inputShape).toEqual([13]);
    expect(b.ids[17]).toBe('boston-17');
    expect(b.task).toBe('regression');
    // The first tract's median value is 24.0 ($1000s): standardised with the public split's statistics.
    expect(b.y[0]).toBeCloseTo(standardisedTarget(b, 24), 5);
    const pubMean = Array.from(b.split.public).reduce((s, r) => s + (b.y[r] as number), 0) / b.split.public.length;
    expect(Math.abs(pubMean)).toBeLessThan(1e-5);
    const c = loadCpsWages();
    expect(c.ids.length).toBe(534);
    // The first worker is 35 years old; age is the target, experience (= age − education − 6) is not a feature.
    expect(c.y[0]).toBeCloseTo(standardisedTarget(c, 35), 5);
    expect(c.inputShape).toEqual([19]);
    expect(b.split.public.length + b.split.user.length + b.split.test.length).toBe(506);
    expect(loadBostonHousing().ids).toEqual(b.ids);
  });
});

describe('Blindspot internals', () => {
  beforeAll(async () => {
    await selectBackend({ forced: 'cpu' });
  });

  it('the attention map of an all-zero activation is 0, not NaN', async () => {
    const m = attentionMap(tf.zeros<tf.Rank.R2>([3, 5]));
    expect(Array.from(await m.data()).every((v) => v === 0)).toBe(true);
    const n = attentionMap(tf.tensor2d([[1, -2, 2]]));
    const want = [1, 4, 4].map((v) => v / Math.sqrt(33));
    Array.from(await n.data()).forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 6));
  });
});

describe('Deep Regression Unlearning on Boston house prices (forget the top 30 % of prices)', () => {
  const d = loadBostonHousing();
  const threshold = standardisedTarget(d, 24.2);
  const inCohort = (r: number): boolean => (d.y[r] as number) >= threshold;
  const config = ModelConfigSchema.parse({ inputShape: [13], task: 'regression', outputs: 1, hidden: 64, blocks: 2, adapterBlocks: 2, loraRank: 8, batchSize: 32, learningRate: 0.003, regressionLoss: 'l1' });
  const user = Array.from(d.split.user);
  const forget = user.filter(inCohort);
  const retain = user.filter((r) => !inCohort(r));
  const testForget = Array.from(d.split.test).filter(inCohort);
  const testRetain = Array.from(d.split.test).filter((r) => !inCohort(r));
  let input: Omit<UnlearnJobInput, 'method' | 'params'>;
  let job: OpenedJob;
  let cohorts: OpenedJob;
  const models: Record<string, Params> = {};
  const original = (): Params => models['original'] as Params;

  beforeAll(async () => {
    await selectBackend({ forced: 'cpu' });
    const t = await trainOriginal(d, config, { pretrainEpochs: 30, epochs: 60, seed: 3 });
    input = {
      config,
      backbone: t.backbone,
      pretrainedHead: t.pretrainedHead,
      original: t.original,
      recipe: { epochs: 60, batchSize: 32, learningRate: 0.003, seed: 3 },
      seed: 9,
      evaluate: true,
      forget: gatherRows(d, forget),
      retain: gatherRows(d, retain),
      test: gatherRows(d, d.split.test),
    };
    job = openJob({ ...input, method: 'ft', params: {} });
    // The same model's view of the test split's two cohorts.
    cohorts = openJob({ ...input, method: 'ft', params: {}, forget: gatherRows(d, testForget), retain: gatherRows(d, testRetain) });
    models['original'] = paramsFromWeights(input.original);
    for (const m of ['retrain', 'gaussian-ft', 'blindspot']) models[m] = paramsFromWeights((await runUnlearnJob({ ...input, method: m, params: {}, evaluate: false })).params);
  }, 120_000);

  afterAll(() => {
    job.dispose();
    cohorts.dispose();
    tf.disposeVariables();
  });

  const errorsOf = async (p: Params): Promise<{ forgetTest: number; retainTest: number; w: number }> => {
    const net = job.ctx.net;
    const f = cohortErrors(await predictionsOf(net, p, cohorts.sets.forget), await cohorts.sets.forget.y.data());
    const r = cohortErrors(await predictionsOf(net, p, cohorts.sets.retain), await cohorts.sets.retain.y.data());
    const w = wasserstein1d(await predictionsOf(net, p, job.sets.forget), await predictionsOf(net, models['retrain'] as Params, job.sets.forget));
    return { forgetTest: f.mae, retainTest: r.mae, w };
  };

  it('its evaluation looks for a cancel between its read-outs and before the loss attack, and stops there', async () => {
    let checks = 0;
    const m = await evaluateRegression(job.ctx.net, original(), job.sets, 9, () => Promise.resolve(void checks++));
    expect(checks).toBe(3);
    expect(m.retainMae).toBeGreaterThan(0);
    let reached = 0;
    const stopAtThird = (): Promise<void> => (++reached === 3 ? Promise.reject(new Error('cancelled here')) : Promise.resolve());
    await expect(evaluateRegression(job.ctx.net, original(), job.sets, 9, stopAtThird)).rejects.toThrow('cancelled here');
    expect(reached).toBe(3);
  });

  it('Blindspot moves the forget cohort toward Retrain and keeps the retain cohort (§6.4)', async () => {
    const o = await errorsOf(original());
    const r = await errorsOf(models['retrain'] as Params);
    const b = await errorsOf(models['blindspot'] as Params);
    // The retrained model, never having seen top prices, errs more on them: the gap unlearning should close.
    expect(r.forgetTest).toBeGreaterThan(o.forgetTest);
    expect(b.w).toBeLessThan(o.w);
    expect(b.retainTest).toBeLessThanOrEqual(o.retainTest * 1.1);
    // At least half of the original's forget-cohort gap to Retrain is closed.
    expect(Math.abs(b.forgetTest - r.forgetTest)).toBeLessThanOrEqual(0.5 * Math.abs(o.forgetTest - r.forgetTest));
  });

  it('Gaussian fine-tuning moves the forget-set predictions toward Retrain', async () => {
    const o = await errorsOf(original());
    const g = await errorsOf(models['gaussian-ft'] as Params);
    expect(g.w).toBeLessThan(o.w);
    expect(g.retainTest).toBeLessThanOrEqual(o.retainTest * 1.1);
  });

  it('SSD on a regression loss dampens some weights and never grows one or flips its sign', async () => {
    const r = await runUnlearnJob({ ...input, method: 'ssd', params: { alpha: 2, lambda: 1, importance: 'recompute' }, evaluate: false });
    expect(r.diagnostics['selected']).toBeGreaterThan(0);
    let changed = 0;
    for (const [k, w] of Object.entries(r.params)) {
      const o = input.original[k]?.data ?? new Float32Array();
      w.data.forEach((x, i) => {
        const before = o[i] as number;
        if (Math.abs(x) > Math.abs(before) || (x !== 0 && Math.sign(x) !== Math.sign(before))) throw new Error(`${k}[${i}]: ${before} became ${x}`);
        if (x !== before) changed++;
      });
    }
    expect(changed).toBe(r.diagnostics['selected']);
  });

  it('OMP on a regression loss keeps every pruned weight at 0 through unlearning', async () => {
    // A 4-epoch recipe: what is checked (the masks hold) does not depend on how long the pruned model retrains.
    const r = await runUnlearnJob({ ...input, recipe: { ...input.recipe, epochs: 4 }, method: 'omp', params: { sparsity: 0.5, rewindEpoch: 1, unlearner: 'ft' }, evaluate: false });
    const pruned = await prunedWeightsAtZero(r.params, original(), 0.5);
    expect(pruned).toBeGreaterThan(0);
    expect(pruned).toBe(r.diagnostics['prunedWeights']);
  });

  it('a batch with no forget rows is exactly the retain loss', async () => {
    const idx = tf.tensor1d([0, 1, 2, 3], 'int32');
    const a = blindspotLoss(job.ctx, original(), job.sets.retain, idx, null, 50);
    const b = setLoss(job.ctx.net, original(), job.sets.retain, idx);
    expect((await a.data())[0]).toBe((await b.data())[0]);
    tf.dispose([idx, a, b]);
  });

  it('the Anamnesis Index relearns on copies: the models are left as they were', async () => {
    const before = await Promise.all(Object.values(models['blindspot'] as Params).map((t: Tensor) => t.data()));
    const train = concatSets(job.sets.retain, job.sets.forget);
    const ain = await anamnesisIndex(job.ctx.net, { original: original(), unlearned: models['blindspot'] as Params, retrained: models['retrain'] as Params }, { train, forgetVal: cohorts.sets.forget, seed: 1, batchSize: 32 });
    const after = await Promise.all(Object.values(models['blindspot'] as Params).map((t: Tensor) => t.data()));
    expect(after).toEqual(before);
    expect(ain.retrainedSteps).toBeGreaterThan(0);
    expect(ain.retrainedReached).toBe(true);
    expect(ain.ain).toBeGreaterThan(0);
    // The original reaches its own target at once.
    const self = await anamnesisIndex(job.ctx.net, { original: original(), unlearned: original(), retrained: models['retrain'] as Params }, { train, forgetVal: cohorts.sets.forget, seed: 1, batchSize: 32 });
    expect(self.unlearnedSteps).toBe(0);
    tf.dispose([train.h, train.y]);
  });

  it('a regression job reports cohort errors and the loss attack for θ_u and θ_o', async () => {
    const out = await runUnlearnJob({ ...input, method: 'gaussian-ft', params: { epochs: 1 } });
    const m = out.metrics?.regression;
    const o = out.originalMetrics?.regression;
    expect(m).toBeDefined();
    expect(o).toBeDefined();
    // Trained on the forget rows, the original errs less on them than after Gaussian targets replaced them.
    expect((m as NonNullable<typeof m>).forgetMae).toBeGreaterThan((o as NonNullable<typeof o>).forgetMae);
    expect(out.metrics?.mia).toBeGreaterThanOrEqual(0);
    expect(out.metrics?.ua).toBe(0);
  });

  it('regression methods refuse classification models, naming both tasks', async () => {
    const blobs = makeBlobs({ samples: 200, features: 4, classes: 2, seed: 1 });
    const c = ModelConfigSchema.parse({ inputShape: [4], task: 'classification', outputs: 2, hidden: 8, blocks: 1, adapterBlocks: 1 });
    const rows = gatherRows(blobs, blobs.split.user);
    const bad = { ...input, config: c, method: 'blindspot', params: {}, forget: rows, retain: rows, test: rows };
    await expect(runUnlearnJob(bad)).rejects.toThrow(/blindspot unlearns regression models; this model is classification/);
  });
});
