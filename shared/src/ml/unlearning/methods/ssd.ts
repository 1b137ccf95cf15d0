import { z } from 'zod';
import { tf, type Tensor, type Variable } from '../../tf.js';
import { concatSets, disposeSet, type LabelledSet } from '../data.js';
import type { UnlearningMethod } from '../method.js';
import { logitsOf, variablesOf, type Net } from '../net.js';
import { ErrorCode, LetheError } from '../../../errors/errors.js';
import { setLoss } from './common.js';

/**
 * SSD (Foster et al., AAAI 2024), as the official code computes it. Defaults α = 5, λ = 0.01, not the paper's 10
 * and 1: with fixed-order batches the forget batches are part of D's, so I_Df/I_D ≤ n/n_f, which is ≈ 10 when a
 * class of ten is forgotten: α = 10 selects (almost) nothing on our models (measured on MNIST: 0 selected). α is
 * halved, as the code's own model-size scaler does for ViTs, and λ = 0.01 (the code uses 0.1 for face data)
 * zeroes what is selected. `alpha` may be "inf": nothing is selected.
 */
export const SsdSchema = z
  .object({
    /** Selection weighting: an element is dampened iff I_Df > α·I_D. */
    alpha: z.union([z.number().min(0).max(1e12), z.literal('inf')]).default(5),
    /** Dampening constant: β = min((λ·I_D/I_Df)^p, cap). */
    lambda: z.number().positive().max(1e6).default(0.01),
    exponent: z.number().positive().max(100).default(1),
    /** β's upper bound: 1 keeps every parameter from growing. */
    cap: z.number().positive().max(1).default(1),
    /** Batch size of both importance passes (they must match: the squared mean gradient scales with 1/B). */
    batchSize: z.number().int().min(1).max(65536).default(128),
    /** LFSSD (label-free): the loss is the batch mean of ‖output‖², importances accumulate |g|. */
    labelFree: z.boolean().default(false),
    /**
     * `precomputed`: use I_D computed when the original was trained (over its training set in dataset order, batch
     * 128), as the paper proposes, when it matches `batchSize` and the loss; the job then costs one pass over D_f.
     * `recompute`: I_D over D_r then D_f, as the official code orders them.
     */
    importance: z.enum(['precomputed', 'recompute']).default('precomputed'),
  })
  .strict();
export type SsdParams = z.output<typeof SsdSchema>;

/**
 * Importance of a set: for each mini-batch (fixed order) the gradient of the batch-mean loss, squared (|g| for
 * LFSSD) and summed, divided by the number of batches.
 */
export async function importance(
  net: Net,
  params: Readonly<Record<string, Tensor>>,
  set: LabelledSet,
  batchSize: number,
  labelFree: boolean,
  o: { readonly signal?: AbortSignal | undefined; readonly progress?: (f: number) => void } = {},
): Promise<Record<string, Tensor>> {
  const names = Object.keys(params).sort();
  const vars: Record<string, Variable> = Object.fromEntries(names.map((k) => [k, params[k] instanceof tf.Variable ? (params[k] as Variable) : tf.variable(params[k] as Tensor, true)]));
  const owned = names.filter((k) => vars[k] !== params[k]).map((k) => vars[k] as Variable);
  const acc: Record<string, Tensor> = Object.fromEntries(names.map((k) => [k, tf.zerosLike(vars[k] as Variable)]));
  const batches = Math.ceil(set.n / batchSize);
  try {
    for (let b = 0; b < batches; b++) {
      if (o.signal?.aborted === true) throw new LetheError(ErrorCode.CANCELLED, 'unlearning cancelled');
      const start = b * batchSize;
      const size = Math.min(batchSize, set.n - start);
      tf.tidy(() => {
        const idx = tf.range(start, start + size, 1, 'int32');
        const { grads } = tf.variableGrads(() => {
          if (!labelFree) return setLoss(net, vars, set, idx);
          const out = logitsOf(net, vars, tf.gather<tf.Tensor2D>(set.h, idx));
          return tf.mean<tf.Scalar>(tf.sum(tf.square(out), 1));
        }, names.map((k) => vars[k] as Variable));
        for (const k of names) {
          const g = grads[(vars[k] as Variable).name] as Tensor;
          const next = tf.add(acc[k] as Tensor, labelFree ? tf.abs(g) : tf.square(g));
          (acc[k] as Tensor).dispose();
          acc[k] = tf.keep(next);
        }
      });
      if (b % 8 === 7) await new Promise((r) => setImmediate(r));
      o.progress?.((b + 1) / batches);
    }
  } finally {
    tf.dispose(owned);
  }
  for (const k of names) {
    const mean = tf.div(acc[k] as Tensor, Math.max(1, batches));
    (acc[k] as Tensor).dispose();
    acc[k] = mean;
  }
  return acc;
}

/** The selection and dampening rule on one tensor; β is computed under the mask only (no 0/0 anywhere). */
export function dampen(theta: Tensor, iD: Tensor, iDf: Tensor, p: { readonly alpha: number } & Pick<SsdParams, 'lambda' | 'exponent' | 'cap'>): { theta: Tensor; selected: Tensor } {
  return tf.tidy(() => {
    const selected = Number.isFinite(p.alpha) ? tf.greater(iDf, tf.mul(iD, p.alpha)) : tf.zerosLike(iD).cast('bool');
    // Where not selected, use a safe denominator so the ratio is finite; β there is discarded.
    const safeDf = tf.where(selected, iDf, tf.onesLike(iDf));
    const beta = tf.minimum(tf.pow(tf.div(tf.mul(iD, p.lambda), safeDf), p.exponent), p.cap);
    return { theta: tf.where(selected, tf.mul(theta, beta), theta), selected: selected.cast('float32') };
  });
}

export const ssdMethod: UnlearningMethod<SsdParams> = {
  name: 'ssd',
  title: 'Selective Synaptic Dampening',
  paper: 'Foster, Schoepf, Brintrup, Fast Machine Unlearning Without Retraining Through Selective Synaptic Dampening (AAAI 2024)',
  needsLabels: true,
  schema: SsdSchema,
  async run(ctx, p) {
    const vars = variablesOf(ctx.original, 'ssd');
    const cached = ctx.precomputedImportance;
    const usePrecomputed = p.importance === 'precomputed' && cached !== undefined && cached.batchSize === p.batchSize && !p.labelFree;
    // D = D_r ∪ D_f, retain first then forget, as the official full-train loader concatenates them.
    const full = usePrecomputed ? undefined : concatSets(ctx.retain, ctx.forget);
    try {
      const iDf = await importance(ctx.net, vars, ctx.forget, p.batchSize, p.labelFree, { signal: ctx.signal, progress: (f) => ctx.progress((usePrecomputed ? 0.95 : 0.1) * f) });
      const iD =
        full === undefined
          ? Object.fromEntries(Object.entries(cached?.params ?? {}).map(([k, t]) => [k, tf.clone(t)]))
          : await importance(ctx.net, vars, full, p.batchSize, p.labelFree, { signal: ctx.signal, progress: (f) => ctx.progress(0.1 + 0.85 * f) });
      const out: Record<string, Tensor> = {};
      let selected = 0;
      let total = 0;
      for (const k of Object.keys(vars).sort()) {
        const d = dampen(vars[k] as Variable, iD[k] as Tensor, iDf[k] as Tensor, { ...p, alpha: p.alpha === 'inf' ? Number.POSITIVE_INFINITY : p.alpha });
        out[k] = d.theta;
        selected += (await d.selected.sum().data())[0] ?? 0;
        total += d.selected.size;
        d.selected.dispose();
      }
      tf.dispose([...Object.values(iD), ...Object.values(iDf)]);
      ctx.progress(1);
      return {
        params: out,
        // Forward+backward passes of the importance sweeps, no updates.
        samplePasses: ctx.forget.n + (full?.n ?? 0),
        diagnostics: { selectedFraction: total === 0 ? 0 : selected / total, selected, importancePrecomputed: full === undefined ? 1 : 0 },
      };
    } finally {
      if (full !== undefined) disposeSet(full);
      tf.dispose(Object.values(vars));
    }
  },
};
