import { z } from 'zod';
import { tf, type Tensor, type Variable } from '../../tf.js';
import type { UnlearningMethod } from '../method.js';
import { variablesOf } from '../net.js';
import { flatGrad, summedGradient } from './common.js';

/**
 * IU (Unlearn-Sparse's influence unlearning, `Wfisher.py`): θ ← θ + α·k with k ≈ F⁻¹v, v = (n_f/n)(ḡ_f − ḡ_r), and
 * k from the code's rank-one recursion over N single-sample retain gradients (its second `woodfisher`, replicated
 * as is: it is a cheap surrogate of Sherman–Morrison, not the textbook WoodFisher). α: the code's default is 0.2,
 * the authors searched [1, 20]; 5 is our default.
 */
export const InfluenceSchema = z
  .object({
    alpha: z.number().min(0).max(1000).default(5),
    /** Single-sample retain gradients in the recursion (and its damping N). */
    samples: z.number().int().min(1).max(100_000).default(1000),
    /** Batch size of the two mean-gradient sweeps. */
    batchSize: z.number().int().min(1).max(65536).default(128),
  })
  .strict();

/**
 * The recursion as the official code runs it: k = v, o = the first gradient; for each following g:
 * t = o·g; k ← k − (k·g)/(N + t)·o; o ← o − t/(N + t)·o. Float64 throughout.
 */
export function woodfisherRecursion(v: Float64Array, grads: readonly Float64Array[], N: number): Float64Array {
  const k = Float64Array.from(v);
  if (grads.length === 0) return k;
  const o = Float64Array.from(grads[0] as Float64Array);
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
    return s;
  };
  for (let j = 1; j < grads.length; j++) {
    const g = grads[j] as Float64Array;
    const t = dot(o, g);
    const kg = dot(k, g);
    const ck = kg / (N + t);
    for (let i = 0; i < k.length; i++) k[i] = (k[i] as number) - ck * (o[i] as number);
    const co = t / (N + t);
    for (let i = 0; i < o.length; i++) o[i] = (o[i] as number) - co * (o[i] as number);
  }
  return k;
}

export const influenceMethod: UnlearningMethod<z.output<typeof InfluenceSchema>> = {
  name: 'iu',
  title: 'Influence unlearning (WoodFisher)',
  paper: 'Jia et al. (NeurIPS 2023), IU with a WoodFisher inverse-Hessian approximation',
  needsLabels: true,
  schema: InfluenceSchema,
  async run(ctx, p) {
    const vars = variablesOf(ctx.original, 'iu');
    const names = Object.keys(vars).sort();
    try {
      const n = ctx.forget.n + ctx.retain.n;
      const nf = ctx.forget.n;
      const nr = Math.max(1, ctx.retain.n);
      const gf = await summedGradient(ctx.net, vars, names, ctx.forget, p.batchSize, ctx.signal);
      ctx.progress(0.1);
      const gr = await summedGradient(ctx.net, vars, names, ctx.retain, p.batchSize, ctx.signal);
      ctx.progress(0.5);
      const v = Float64Array.from(gf, (f, i) => f / n - ((gr[i] as number) * nf) / (n * nr));
      // Single-sample retain gradients in dataset order (the code's batch-1 loader, unshuffled), N + 2 of them.
      const count = Math.min(ctx.retain.n, p.samples + 2);
      const grads: Float64Array[] = [];
      for (let i = 0; i < count; i++) {
        if (ctx.signal?.aborted === true) throw new Error('cancelled');
        const g = flatGrad(ctx.net, vars, names, ctx.retain, i, 1);
        grads.push(Float64Array.from(await g.data()));
        g.dispose();
        if (i % 50 === 49) ctx.progress(0.5 + (0.45 * (i + 1)) / count);
      }
      const k = woodfisherRecursion(v, grads, p.samples);
      const out: Record<string, Tensor> = {};
      let offset = 0;
      let mask = 0;
      for (const name of names) {
        const t = vars[name] as Variable;
        const step = Float32Array.from(k.subarray(offset, offset + t.size), (x) => p.alpha * x);
        offset += t.size;
        out[name] = tf.tidy(() => {
          const moved = tf.add(t, tf.tensor(step, t.shape));
          const m = ctx.masks?.[name];
          if (m !== undefined) mask++;
          return m === undefined ? moved : tf.mul(moved, m);
        });
      }
      let normSq = 0;
      for (const x of k) normSq += x * x;
      ctx.progress(1);
      return { params: out, samplePasses: n + count, diagnostics: { stepNorm: p.alpha * Math.sqrt(normSq), recursionSamples: count, maskedTensors: mask } };
    } finally {
      tf.dispose(Object.values(vars));
    }
  },
};
