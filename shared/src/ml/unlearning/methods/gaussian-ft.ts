import { z } from 'zod';
import { createRng, deriveSeed } from '../../../domain/rng.js';
import { tf } from '../../tf.js';
import { Adam } from '../adam.js';
import { concatSets, disposeSet, labelledSet } from '../data.js';
import type { UnlearningMethod } from '../method.js';
import { variablesOf } from '../net.js';
import { epochLoop } from '../sgd.js';
import { release, setLoss } from './common.js';

/**
 * Gaussian fine-tuning, DRU's "Gaussian amnesiac" (Tarun et al., ICML 2023): every forget target is replaced by an
 * independent draw from N(μ, σ²) of all training targets (no clipping), then θ_o is fine-tuned on the modified
 * training set with Adam. DRU's 1 epoch (AgeDB) becomes 8 at batch 32 here, for the reason Blindspot gives.
 */
export const GaussianFineTuneSchema = z
  .object({
    epochs: z.number().int().min(1).max(100).default(8),
    learningRate: z.number().positive().max(1).default(1e-3),
    batchSize: z.number().int().min(1).max(65536).default(32),
  })
  .strict();

/** Seeded standard normal draws (Box–Muller). */
export function normalDraws(n: number, mean: number, sd: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float()));
}

export const gaussianFineTuneMethod: UnlearningMethod<z.output<typeof GaussianFineTuneSchema>> = {
  name: 'gaussian-ft',
  title: 'Gaussian fine-tuning (regression)',
  paper: 'Tarun, Chundawat, Mandal, Kankanhalli, Deep Regression Unlearning (ICML 2023)',
  needsLabels: true,
  tasks: ['regression'],
  schema: GaussianFineTuneSchema,
  async run(ctx, p) {
    const all = Float64Array.from([...(await ctx.retain.y.data()), ...(await ctx.forget.y.data())]);
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const sd = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
    const noise = tf.tensor1d(normalDraws(ctx.forget.n, mean, sd, deriveSeed(ctx.seed, 'gaussian-targets')), 'float32');
    const noisyForget = labelledSet(ctx.forget.h, noise);
    const modified = concatSets(ctx.retain, noisyForget);
    noise.dispose();
    const vars = variablesOf(ctx.original, 'unlearn');
    const opt = new Adam(vars, { learningRate: p.learningRate });
    try {
      const r = await epochLoop({
        rows: modified.n,
        batchSize: p.batchSize,
        epochs: p.epochs,
        seed: deriveSeed(ctx.seed, 'gaussian-ft'),
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
        step: (idx) => opt.step(() => setLoss(ctx.net, vars, modified, idx)),
        afterEpoch: (e, loss) => ctx.progress((e + 1) / p.epochs, loss),
      });
      return { params: release(vars), samplePasses: r.samplePasses, diagnostics: { targetMean: mean, targetSd: sd, finalLoss: r.lastLoss } };
    } finally {
      opt.dispose();
      disposeSet(modified);
      tf.dispose(Object.values(vars).filter((v) => !v.isDisposed));
    }
  },
};
