import { z } from 'zod';
import { tf, type Tensor } from '../../tf.js';
import { concatSets, disposeSet } from '../data.js';
import type { MethodContext, UnlearningMethod } from '../method.js';
import { disposeParams, type Params } from '../net.js';
import { trainFromInit } from './retrain.js';

/** Tensors OMP prunes: the dense kernels (LoRA factors and the head's weight), never biases. */
export const isPrunable = (name: string): boolean => name !== 'head.b';

/**
 * Global unstructured magnitude pruning: exactly round(s·N) of the N prunable weights become 0, the smallest |w|
 * first (ties broken by position), so the count never depends on ties.
 */
export async function magnitudeMasks(params: Params, sparsity: number): Promise<Record<string, Tensor>> {
  const names = Object.keys(params).filter(isPrunable).sort();
  const values: Float32Array[] = [];
  for (const k of names) values.push((await (params[k] as Tensor).data()) as Float32Array);
  const total = values.reduce((n, v) => n + v.length, 0);
  const abs = new Float32Array(total);
  let o = 0;
  for (const v of values) for (const x of v) abs[o++] = Math.abs(x);
  const order = Uint32Array.from({ length: total }, (_, i) => i).sort((a, b) => (abs[a] as number) - (abs[b] as number) || a - b);
  const keep = new Uint8Array(total).fill(1);
  const zeros = Math.round(sparsity * total);
  for (let i = 0; i < zeros; i++) keep[order[i] as number] = 0;
  const masks: Record<string, Tensor> = {};
  o = 0;
  names.forEach((k, j) => {
    const t = params[k] as Tensor;
    masks[k] = tf.tensor(Float32Array.from(keep.subarray(o, o + (values[j] as Float32Array).length)), t.shape);
    o += t.size;
  });
  return masks;
}

export const OmpSchema = z
  .object({
    /** Fraction of the prunable weights set to 0 (the paper's 0.95 is for ResNets; tiny nets keep accuracy at 0.5–0.9). */
    sparsity: z.number().min(0).max(0.99).default(0.8),
    /** Epoch whose weights training rewinds to before the masked retraining (the paper's 8 of 182). */
    rewindEpoch: z.number().int().min(0).max(1000).default(1),
    /** The unlearner run on the sparse model, with the mask fixed. */
    unlearner: z.enum(['ft', 'ga', 'rl', 'l1-sparse', 'iu', 'retrain']).default('ft'),
    /** Parameters of the unlearner (its own schema and defaults). */
    unlearnerParams: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/**
 * OMP (Unlearn-Sparse §3.1): prune the original by magnitude, rewind to an early epoch of its recipe, retrain with
 * the mask (the sparse original, a one-off cost not counted in RTE), then run `unlearner` with the mask fixed.
 */
export function ompMethod(resolve: (name: string) => UnlearningMethod<object>): UnlearningMethod<z.output<typeof OmpSchema>> {
  return {
    name: 'omp',
    title: 'Prune (OMP), then unlearn',
    paper: 'Jia et al., Model Sparsity Can Simplify Machine Unlearning (NeurIPS 2023), one-shot magnitude pruning',
    needsLabels: true,
    schema: OmpSchema,
    async run(ctx, p) {
      const inner = resolve(p.unlearner);
      const innerParams = inner.schema.parse(p.unlearnerParams);
      if (p.rewindEpoch >= ctx.recipe.epochs) throw new Error(`rewindEpoch must be below the original's ${ctx.recipe.epochs} epochs`);
      const started = performance.now();
      const masks = await magnitudeMasks(ctx.original, p.sparsity);
      const data = concatSets(ctx.retain, ctx.forget);
      const quiet: MethodContext = { ...ctx, progress: () => undefined };
      let sparse: Record<string, Tensor> | undefined;
      try {
        const rewound = p.rewindEpoch === 0 ? null : await trainFromInit(quiet, data, p.rewindEpoch, (f) => ctx.progress(0.3 * f * (p.rewindEpoch / ctx.recipe.epochs)));
        const retrained = await trainFromInit({ ...quiet, masks }, data, ctx.recipe.epochs - p.rewindEpoch, (f) => ctx.progress(0.3 * f), rewound?.params);
        if (rewound !== null) disposeParams(rewound.params);
        sparse = retrained.params;
        const oneOffSeconds = (performance.now() - started) / 1000;
        const r = await inner.run({ ...ctx, original: sparse, masks, progress: (f, loss) => ctx.progress(0.3 + 0.7 * f, loss) }, innerParams);
        let zeros = 0;
        let prunable = 0;
        for (const m of Object.values(masks)) {
          for (const x of (await m.data()) as Float32Array) if (x === 0) zeros++;
          prunable += m.size;
        }
        return {
          params: r.params,
          samplePasses: r.samplePasses,
          oneOffSeconds,
          diagnostics: { ...r.diagnostics, sparsity: zeros / Math.max(1, prunable), prunedWeights: zeros, oneOffSamplePasses: (rewound?.samplePasses ?? 0) + retrained.samplePasses },
        };
      } finally {
        tf.dispose(Object.values(masks));
        if (sparse !== undefined) disposeParams(sparse);
        disposeSet(data);
      }
    },
  };
}
