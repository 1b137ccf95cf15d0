import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor2D } from '../tf.js';
import { selectBackend } from '../backend.js';
import { gatherRows } from '../data/dataset.js';
import { makeConceptData } from '../data/synthetic.js';
import { ModelConfigSchema } from '../model-config.js';
import { sameWeights, trainOriginal } from '../../testing/unlearning-fixture.js';
import { jobRows } from './forget-set.js';
import { openJob, runUnlearnJob, type UnlearnJobInput } from './job.js';
import { createVae, extractorUnlearningLoss, phi } from './methods/laf.js';
import { accuracyOf, readout } from './metrics.js';
import { embeddingOf, paramsFromWeights } from './net.js';

const d = makeConceptData({ samples: 3200, seed: 8 });
const C = 8;
const FORGET = 6;
const config = ModelConfigSchema.parse({ inputShape: [24], task: 'classification', outputs: C, hidden: 48, blocks: 2, adapterBlocks: 2, loraRank: 8, batchSize: 32, learningRate: 0.005 });
const user = Array.from(d.split.user);
let input: UnlearnJobInput;

beforeAll(async () => {
  await selectBackend({ forced: 'wasm' });
  const t = await trainOriginal(d, config, { pretrainEpochs: 5, epochs: 8, seed: 2 });
  const rows = jobRows(d, user, { kind: 'class', label: FORGET }, (r) => d.y[r] as number);
  input = {
    config,
    backbone: t.backbone,
    pretrainedHead: t.pretrainedHead,
    original: t.original,
    recipe: { epochs: 8, batchSize: 32, learningRate: 0.005, seed: 2 },
    seed: 4,
    evaluate: false,
    method: 'laf',
    params: {},
    forget: gatherRows(d, rows.forget),
    retain: gatherRows(d, rows.retain),
    test: gatherRows(d, d.split.test),
  };
}, 120_000);

afterAll(() => tf.disposeVariables());

describe('LAF (§5.5)', () => {
  it('U2: φ lies in [1, e), so the extractor loss is bounded by the batch sizes', async () => {
    const r = tf.tensor1d([0, 1e-6, 0.5, 3, 1e6]);
    const v = Array.from(await phi(r).data());
    for (const x of v) {
      expect(x).toBeGreaterThanOrEqual(1);
      expect(x).toBeLessThan(Math.E);
    }
    const vaeR = createVae(6, 2, 1);
    const vaeF = createVae(6, 2, 2);
    const loss = extractorUnlearningLoss(vaeR, vaeF, tf.randomUniform<tf.Rank.R2>([5, 6], 0, 50, 'float32', 3), tf.randomUniform<tf.Rank.R2>([3, 6], 0, 50, 'float32', 4), 9);
    const value = (await loss.data())[0] as number;
    expect(value).toBeGreaterThan(5 - Math.E * 3);
    expect(value).toBeLessThan(Math.E * 5 - 3);
    tf.dispose([r, loss, ...Object.values(vaeR.vars), ...Object.values(vaeF.vars)]);
  });

  it('U1, U3: labels are never read (permuted or erased, the weights are bit-identical) and the head is untouched', async () => {
    const quick = { epochs: 1, minSteps: 3, vaeEpochs: 1 };
    const a = await runUnlearnJob({ ...input, params: quick });
    const permuted = { x: input.retain.x, y: Float32Array.from(input.retain.y).reverse() };
    const erased = { x: input.forget.x, y: new Float32Array(input.forget.y.length).fill(0) };
    const b = await runUnlearnJob({ ...input, params: quick, retain: permuted, forget: erased });
    const c = await runUnlearnJob({ ...input, params: quick, forgetLabelsWithheld: true });
    expect(sameWeights(a.params, b.params)).toBe(true);
    expect(sameWeights(a.params, c.params)).toBe(true);
    expect(a.params['head.w']?.data).toEqual(input.original['head.w']?.data);
    expect(a.params['head.b']?.data).toEqual(input.original['head.b']?.data);
    // And the extractor did move.
    expect(sameWeights(a.params, input.original)).toBe(false);
  });

  it('B1: class removal — the class falls below 15 %, the rest stays within 5 points, embeddings stay aligned on D_r only', async () => {
    const out = await runUnlearnJob(input);
    const job = openJob(input);
    const theta = paramsFromWeights(out.params);
    const testRows = Array.from(d.split.test);
    const isForget = testRows.map((r) => d.y[r] === FORGET);
    const before = await readout(job.ctx.net, job.ctx.original, job.sets.test);
    const after = await readout(job.ctx.net, theta, job.sets.test);
    const acc = (r: typeof before, forget: boolean): number => {
      const picked = Array.from(r.correct).filter((_, i) => isForget[i] === forget);
      return (100 * picked.reduce((s, v) => s + v, 0)) / picked.length;
    };
    expect(acc(before, true)).toBeGreaterThan(70);
    expect(acc(after, true)).toBeLessThanOrEqual(15);
    expect(acc(before, false) - acc(after, false)).toBeLessThanOrEqual(5);
    const meanCos = async (h: Tensor2D): Promise<number> => {
      const c = tf.tidy(() => {
        const a = embeddingOf(job.ctx.net, theta, h);
        const b = embeddingOf(job.ctx.net, job.ctx.original, h);
        return tf.mean(tf.div(tf.sum(tf.mul(a, b), 1), tf.mul(tf.norm(a, 'euclidean', 1), tf.norm(b, 'euclidean', 1))));
      });
      const v = (await c.data())[0] as number;
      c.dispose();
      return v;
    };
    const cosRetain = await meanCos(job.sets.retain.h);
    const cosForget = await meanCos(job.sets.forget.h);
    expect(cosRetain).toBeGreaterThan(0.9);
    expect(cosForget).toBeLessThan(cosRetain);
    expect(accuracyOf(after)).toBeGreaterThan(0);
    tf.dispose(Object.values(theta));
    job.dispose();
  });
});
