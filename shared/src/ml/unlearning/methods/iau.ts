import { z } from 'zod';
import { tf, type Tensor, type Variable } from '../../tf.js';
import type { LabelledSet } from '../data.js';
import type { UnlearningMethod } from '../method.js';
import { variablesOf, type Net, type Params } from '../net.js';
import { release, summedGradient } from './common.js';

/**
 * IAU, Influence Approximation Unlearning (Liu, Wu, Lian, Chen; arXiv 2507.23257), as its official
 * `IAU_unlearn.py` does it: the mean loss gradient over all of D_r minus the one over all of D_f (streamed in
 * batches, weighted by batch size: exactly the full-batch means), then ONE optimizer step from fresh state.
 *
 * - `update: adam` (the official code): Adam's first step has m̂ = g and v̂ = g², so every coordinate moves by
 *   lr·g/(|g| + ε) — about lr, whatever the gradient's size (ε = 1e-8, PyTorch's).
 * - `update: sgd`: θ − lr·g, the influence-function reading of the paper (flagged, since the paper's formula could
 *   not be checked; whether it scales the retain term is open too: `retainWeight`, 1 in the official code).
 *
 * The paper pairs it with a model trained under gradient restriction (`model.gradientRestriction` of the run).
 * Defaults: lr 1e-3 as the official `--lr`; since the Adam step moves every parameter by ≈ lr, lr is per coordinate.
 */
export const IauSchema = z
  .object({
    learningRate: z.number().positive().max(1).default(1e-3),
    update: z.enum(['adam', 'sgd']).default('adam'),
    epsilon: z.number().positive().max(1).default(1e-8),
    retainWeight: z.number().min(0).max(100).default(1),
    /** Rows per streamed batch (the result is the full-batch mean whatever it is). */
    batchSize: z.number().int().min(1).max(65536).default(1024),
  })
  .strict();
export type IauParams = z.output<typeof IauSchema>;

/** ∇θ of the mean loss over the whole set, streamed by batches weighted by their size (names as in `params`). */
export async function streamedMeanGradient(net: Net, params: Readonly<Record<string, Variable>>, set: LabelledSet, batchSize: number, signal?: AbortSignal): Promise<Record<string, Tensor>> {
  const names = Object.keys(params).sort();
  const sum = await summedGradient(net, params, names, set, batchSize, signal);
  const out: Record<string, Tensor> = {};
  let offset = 0;
  for (const k of names) {
    const v = params[k] as Variable;
    out[k] = tf.tensor(Float32Array.from(sum.subarray(offset, offset + v.size), (x) => x / set.n), v.shape);
    offset += v.size;
  }
  return out;
}

/** Applies IAU's step to `vars` in place, from the total gradient g = w·g_r − g_f. */
export function iauStep(vars: Readonly<Record<string, Variable>>, g: Readonly<Record<string, Tensor>>, p: Pick<IauParams, 'learningRate' | 'update' | 'epsilon'>): void {
  const names = Object.keys(vars).sort();
  if (p.update === 'adam') {
    const adam = tf.train.adam(p.learningRate, 0.9, 0.999, p.epsilon);
    adam.applyGradients(names.map((k) => ({ name: (vars[k] as Variable).name, tensor: g[k] as Tensor })));
    adam.dispose();
    return;
  }
  for (const k of names) {
    const v = vars[k] as Variable;
    tf.tidy(() => v.assign(tf.sub(v, tf.mul(g[k] as Tensor, p.learningRate))));
  }
}

export const iauMethod: UnlearningMethod<IauParams> = {
  name: 'iau',
  title: 'IAU: influence approximation unlearning',
  paper: 'Liu, Wu, Lian, Chen, Influence Approximation Unlearning (arXiv 2507.23257)',
  needsLabels: true,
  schema: IauSchema,
  async run(ctx, p) {
    const vars = variablesOf(ctx.original, 'unlearn', ctx.masks);
    let g: Record<string, Tensor> = {};
    try {
      const gr = await streamedMeanGradient(ctx.net, vars, ctx.retain, p.batchSize, ctx.signal);
      ctx.progress(0.5);
      const gf = await streamedMeanGradient(ctx.net, vars, ctx.forget, p.batchSize, ctx.signal);
      const norms = tf.tidy(() => [tf.norm(tf.concat(Object.values(gr).map((t) => t.reshape([-1])))), tf.norm(tf.concat(Object.values(gf).map((t) => t.reshape([-1]))))]);
      const [retainNorm, forgetNorm] = await Promise.all(norms.map(async (t) => (await t.data())[0] ?? Number.NaN));
      tf.dispose(norms);
      g = Object.fromEntries(Object.keys(gr).map((k) => [k, tf.tidy(() => tf.sub(tf.mul(gr[k] as Tensor, p.retainWeight), gf[k] as Tensor))]));
      tf.dispose([...Object.values(gr), ...Object.values(gf)]);
      const before: Params = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, tf.clone(v)]));
      iauStep(vars, g, p);
      const moved = tf.tidy(() => tf.mean(tf.concat(Object.keys(vars).map((k) => tf.abs(tf.sub(vars[k] as Variable, before[k] as Tensor)).reshape([-1])))));
      const meanAbsStep = (await moved.data())[0] ?? Number.NaN;
      tf.dispose([moved, ...Object.values(before)]);
      ctx.progress(1);
      return { params: release(vars), samplePasses: ctx.retain.n + ctx.forget.n, diagnostics: { retainGradNorm: retainNorm ?? Number.NaN, forgetGradNorm: forgetNorm ?? Number.NaN, meanAbsStep, adamUpdate: p.update === 'adam' ? 1 : 0 } };
    } finally {
      tf.dispose(Object.values(g));
      tf.dispose(Object.values(vars).filter((v) => !v.isDisposed));
    }
  },
};
