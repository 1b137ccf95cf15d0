import { z } from 'zod';
import { deriveSeed } from '../../../domain/rng.js';
import type { UnlearningMethod } from '../method.js';
import { fineTune, sgdFields } from './common.js';

/**
 * FT (Unlearn-Sparse's baseline): keep training θ_o on the retain set with SGD. The paper's 10 epochs at lr 0.01
 * are 10/182 of its original's training; ours trains for a handful of epochs, so the default is 2 epochs at the
 * paper's lr, momentum and weight decay.
 */
export const FineTuneSchema = z.object(sgdFields({ epochs: 2, learningRate: 0.01 })).strict();

export const fineTuneMethod: UnlearningMethod<z.output<typeof FineTuneSchema>> = {
  name: 'ft',
  title: 'Fine-tune on the retain set',
  paper: 'Jia et al., Model Sparsity Can Simplify Machine Unlearning (NeurIPS 2023), baseline FT',
  needsLabels: true,
  schema: FineTuneSchema,
  async run(ctx, p) {
    const r = await fineTune({ ctx, start: ctx.original, set: ctx.retain, sgd: p, seed: deriveSeed(ctx.seed, 'ft') });
    return { params: r.params, samplePasses: r.samplePasses, diagnostics: { finalRetainLoss: r.lastLoss } };
  },
};
