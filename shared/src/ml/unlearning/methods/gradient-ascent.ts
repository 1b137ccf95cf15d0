import { z } from 'zod';
import { deriveSeed } from '../../../domain/rng.js';
import type { UnlearningMethod } from '../method.js';
import { fineTune, sgdFields } from './common.js';

/**
 * GA: SGD on the negated loss of the forget set only (weight decay still applied). The loss is unbounded below,
 * so a guard stops at the end of an epoch whose mean forget loss exceeds `lossCeiling`. The paper's defaults (5
 * epochs, lr 1e-4, momentum 0.9, wd 5e-4). Measured on MNIST: 1e-4 barely forgets; 1e-3 collapses every class.
 */
export const GradientAscentSchema = z
  .object({ ...sgdFields({ epochs: 5, learningRate: 1e-4 }), lossCeiling: z.number().positive().max(1e6).default(20) })
  .strict();

export const gradientAscentMethod: UnlearningMethod<z.output<typeof GradientAscentSchema>> = {
  name: 'ga',
  title: 'Gradient ascent on the forget set',
  paper: 'Jia et al. (NeurIPS 2023), baseline GA',
  needsLabels: true,
  schema: GradientAscentSchema,
  async run(ctx, p) {
    const r = await fineTune({ ctx, start: ctx.original, set: ctx.forget, sgd: p, seed: deriveSeed(ctx.seed, 'ga'), ascend: true, lossCeiling: p.lossCeiling });
    return { params: r.params, samplePasses: r.samplePasses, diagnostics: { epochsRun: r.epochsRun, finalForgetLoss: -r.lastLoss } };
  },
};
