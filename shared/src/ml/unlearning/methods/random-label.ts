import { z } from 'zod';
import { createRng, deriveSeed } from '../../../domain/rng.js';
import { tf, type Tensor } from '../../tf.js';
import { concatSets, disposeSet, labelledSet } from '../data.js';
import type { UnlearningMethod } from '../method.js';
import { Sgd, epochLoop } from '../sgd.js';
import { release, setLoss, sgdConfig, sgdFields } from './common.js';
import { variablesOf } from '../net.js';

/**
 * RL, two of the official variants (spec'd separately because they forget differently):
 * - `salun` (SalUn's RL.py): each epoch one pass over D_f where every batch draws fresh uniform labels (a draw may
 *   equal the true label), then one pass over D_r with true labels; one SGD optimiser for both.
 * - `amnesiac` (the SSD repo): each forget sample relabelled once to a random *other* class, mixed into D_r and
 *   shuffled, trained with Adam at lr 1e-4.
 * Defaults scaled as FT's: 2 epochs (the paper's 10 of 182), SalUn's lr 0.013.
 */
export const RandomLabelSchema = z
  .object({ ...sgdFields({ epochs: 2, learningRate: 0.013 }), variant: z.enum(['salun', 'amnesiac']).default('salun') })
  .strict();

export const randomLabelMethod: UnlearningMethod<z.output<typeof RandomLabelSchema>> = {
  name: 'rl',
  title: 'Random labels on the forget set',
  paper: 'Jia et al. (NeurIPS 2023) / Fan et al. SalUn (ICLR 2024), baseline RL',
  needsLabels: true,
  tasks: ['classification'],
  schema: RandomLabelSchema,
  async run(ctx, p) {
    const classes = ctx.classes;
    const rng = createRng(deriveSeed(ctx.seed, 'rl-labels'));
    const batchSize = p.batchSize ?? ctx.recipe.batchSize;
    if (p.variant === 'amnesiac') {
      const trueLabels = await ctx.forget.y.data();
      const relabelled = Int32Array.from(trueLabels, (t) => (t + rng.int(1, classes - 1)) % classes);
      const y = tf.tensor1d(relabelled, 'int32');
      const forgetRelabelled = labelledSet(ctx.forget.h, y);
      const mixed = concatSets(forgetRelabelled, ctx.retain);
      y.dispose();
      const vars = variablesOf(ctx.original, 'unlearn', ctx.masks);
      const adam = tf.train.adam(p.learningRate, 0.9, 0.999, 1e-8);
      try {
        const r = await epochLoop({
          rows: mixed.n,
          batchSize,
          epochs: p.epochs,
          seed: deriveSeed(ctx.seed, 'rl'),
          ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
          step: (idx) => tf.tidy(() => adam.minimize(() => setLoss(ctx.net, vars, mixed, idx), true, Object.values(vars)) ?? tf.scalar(Number.NaN)),
          afterEpoch: (epoch, loss) => ctx.progress((epoch + 1) / p.epochs, loss),
        });
        return { params: release(vars), samplePasses: r.samplePasses, diagnostics: { variantAmnesiac: 1 } };
      } finally {
        adam.dispose();
        disposeSet(mixed);
        tf.dispose(Object.values(vars).filter((v) => !v.isDisposed));
      }
    }
    const vars = variablesOf(ctx.original, 'unlearn', ctx.masks);
    const opt = new Sgd(vars, sgdConfig(p), ctx.masks);
    let samplePasses = 0;
    try {
      for (let epoch = 0; epoch < p.epochs; epoch++) {
        const forgetPass = await epochLoop({
          rows: ctx.forget.n,
          batchSize,
          epochs: 1,
          seed: deriveSeed(ctx.seed, 'rl-forget', epoch),
          ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
          step: (idx) => {
            const random: Tensor = tf.tensor1d(Array.from({ length: idx.size }, () => rng.int(0, classes - 1)), 'int32');
            const loss = opt.step(() => setLoss(ctx.net, vars, ctx.forget, idx, random));
            random.dispose();
            return loss;
          },
        });
        const retainPass = await epochLoop({
          rows: ctx.retain.n,
          batchSize,
          epochs: 1,
          seed: deriveSeed(ctx.seed, 'rl-retain', epoch),
          ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
          step: (idx) => opt.step(() => setLoss(ctx.net, vars, ctx.retain, idx)),
        });
        samplePasses += forgetPass.samplePasses + retainPass.samplePasses;
        ctx.progress((epoch + 1) / p.epochs, retainPass.lastLoss);
      }
      return { params: release(vars), samplePasses, diagnostics: { variantAmnesiac: 0 } };
    } finally {
      opt.dispose();
      tf.dispose(Object.values(vars).filter((v) => !v.isDisposed));
    }
  },
};
