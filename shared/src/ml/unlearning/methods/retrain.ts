import { z } from 'zod';
import { deriveSeed } from '../../../domain/rng.js';
import { tf, type Tensor, type Tensor2D } from '../../tf.js';
import { twiceDifferentiableLoss } from '../../gradient-restriction.js';
import { fit } from '../../training.js';
import type { LabelledSet } from '../data.js';
import type { MethodContext, UnlearningMethod } from '../method.js';
import { initialParams, logitsOf, variablesOf, type Params } from '../net.js';
import { release, setLoss } from './common.js';

/** Retrain has no knobs: it is the original's recipe on D_r, by definition. */
export const RetrainSchema = z.object({}).strict();

/** Masked view of the variables: a pruned entry contributes 0 and gets a zero gradient, so Adam never moves it. */
function masked(vars: Params, masks: MethodContext['masks']): Params {
  if (masks === undefined) return vars;
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, masks[k] === undefined ? v : tf.mul(v, masks[k])]));
}

/**
 * Trains the original's recipe (Adam, its lr, batch size and epochs, the same seeded initialisation and shuffles)
 * from scratch on `set`. With masks (OMP), the mask is applied throughout, as Unlearn-Sparse retrains a pruned model.
 */
export async function trainFromInit(
  ctx: MethodContext,
  set: LabelledSet,
  epochs: number,
  progress: (f: number, loss: number) => void,
  /** Start here instead of the initialisation (OMP's rewound weights). */
  start?: Params,
): Promise<{ params: Record<string, Tensor>; samplePasses: number }> {
  const seed = deriveSeed(ctx.recipe.seed, 'full');
  const init = start ?? initialParams(ctx.net, ctx.pretrainedHead, seed);
  const vars = variablesOf(init, 'unlearn', ctx.masks);
  const gr = ctx.recipe.gradientRestriction ?? 0;
  if (start === undefined) tf.dispose(Object.values(init));
  try {
    const r = await fit({
      variables: Object.values(vars),
      rows: set.n,
      epochs,
      batchSize: ctx.recipe.batchSize,
      learningRate: ctx.recipe.learningRate,
      seed,
      loss: (idx) =>
        gr === 0
          ? setLoss(ctx.net, masked(vars, ctx.masks), set, idx)
          : twiceDifferentiableLoss(ctx.net.config, logitsOf(ctx.net, masked(vars, ctx.masks), tf.gather<Tensor2D>(set.h, idx)), tf.gather(set.y, idx)),
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      onEpoch: (e) => progress(e.fraction, e.loss),
      ...(gr === 0 ? {} : { gradientRestriction: { alpha: gr, mode: 'exact' as const } }),
    });
    return { params: release(vars), samplePasses: r.samplePasses };
  } finally {
    tf.dispose(Object.values(vars).filter((v) => !v.isDisposed));
  }
}

/** The gold standard: the original's architecture, recipe and initialisation, trained on the retain set only. */
export const retrainMethod: UnlearningMethod<z.output<typeof RetrainSchema>> = {
  name: 'retrain',
  title: 'Retrain from scratch on the retain set',
  paper: 'gold standard (every paper\'s reference)',
  needsLabels: true,
  schema: RetrainSchema,
  async run(ctx) {
    const r = await trainFromInit(ctx, ctx.retain, ctx.recipe.epochs, (f, loss) => ctx.progress(f, loss));
    return { params: r.params, samplePasses: r.samplePasses, diagnostics: { trainedOn: ctx.retain.n } };
  },
};
