import { z } from 'zod';
import { deriveSeed } from '../../../domain/rng.js';
import { tf } from '../../tf.js';
import type { UnlearningMethod } from '../method.js';
import { l1Norm } from '../net.js';
import { fineTune, sgdFields } from './common.js';

/**
 * ℓ1-sparse unlearning (Unlearn-Sparse §3.2): FT on D_r plus γ_t·‖θ‖₁ over every trainable parameter, with
 * γ_t = γ·(1 − t/T) decaying linearly per epoch. The paper leaves γ open (third-party runs use 1e-4 on a
 * ResNet-18). The ℓ1 term's effect on one weight is its total shrinkage lr·γ·Σ_t steps·(1 − t/T); on the official
 * setting (10 epochs × 176 steps, lr 0.01, γ 1e-4) that is ≈ 1e-3. Our default γ = 1e-3 gives ≈ 1.4e-3 over FT's
 * 2 epochs of ~94 steps, the same order, on weights of the same order of magnitude.
 */
export const L1SparseSchema = z
  .object({ ...sgdFields({ epochs: 2, learningRate: 0.01 }), gamma: z.number().min(0).max(10).default(1e-3), noL1Epochs: z.number().int().min(0).max(200).default(0) })
  .strict()
  .refine((p) => p.noL1Epochs < p.epochs, { message: 'noL1Epochs must be less than epochs', path: ['noL1Epochs'] });

/** γ_t of the schedule, for epoch t of T = epochs − noL1Epochs (0 after T). */
export function gammaAt(gamma: number, epoch: number, epochs: number, noL1Epochs: number): number {
  const T = epochs - noL1Epochs;
  return epoch < T ? gamma * (1 - epoch / T) : 0;
}

export const l1SparseMethod: UnlearningMethod<z.output<typeof L1SparseSchema>> = {
  name: 'l1-sparse',
  title: 'ℓ1-sparse unlearning',
  paper: 'Jia et al., Model Sparsity Can Simplify Machine Unlearning (NeurIPS 2023)',
  needsLabels: true,
  schema: L1SparseSchema,
  async run(ctx, p) {
    const schedule: number[] = [];
    const r = await fineTune({
      ctx,
      start: ctx.original,
      set: ctx.retain,
      sgd: p,
      // The same shuffles as FT: with γ = 0 this is FT exactly.
      seed: deriveSeed(ctx.seed, 'ft'),
      extra: (vars, epoch) => {
        const g = gammaAt(p.gamma, epoch, p.epochs, p.noL1Epochs);
        schedule[epoch] = g;
        return g === 0 ? null : tf.mul<tf.Scalar>(l1Norm(vars), g);
      },
    });
    const norm = tf.tidy(() => l1Norm(r.params));
    const l1 = (await norm.data())[0] ?? Number.NaN;
    norm.dispose();
    return {
      params: r.params,
      samplePasses: r.samplePasses,
      diagnostics: { l1Norm: l1, ...Object.fromEntries(schedule.map((g, t) => [`gamma_${t}`, g])) },
    };
  },
};
