import { gatherRows, type Dataset } from '../ml/data/dataset.js';
import type { ModelConfig } from '../ml/model-config.js';
import { runFullJob, runPretrainJob, type FullJobOutput } from '../ml/shard-job.js';
import { originalWeights } from '../ml/unlearning/original.js';
import type { WeightSet } from '../ml/weights.js';
import { magnitudeMasks } from '../ml/unlearning/methods/omp.js';
import type { Params } from '../ml/unlearning/net.js';

/** What the unlearning tests start from: a backbone pretrained on the public split and θ_o trained on the user split. */
export interface TrainedOriginal {
  readonly backbone: WeightSet;
  readonly pretrainedHead: WeightSet;
  readonly full: FullJobOutput;
  /** θ_o as `Params` weights (`adapter.<block>.a|b`, `head.w`, `head.b`). */
  readonly original: WeightSet;
}

export async function trainOriginal(d: Dataset, config: ModelConfig, o: { pretrainEpochs: number; epochs: number; seed: number; gradientRestriction?: number }): Promise<TrainedOriginal> {
  const pub = gatherRows(d, d.split.public);
  const pre = await runPretrainJob({ config, x: pub.x, y: pub.y, epochs: o.pretrainEpochs, seed: 1 });
  const all = gatherRows(d, d.split.user);
  const full = await runFullJob({ config, backbone: pre.backbone, pretrainedHead: pre.head, x: all.x, y: all.y, epochs: o.epochs, seed: o.seed, ...(o.gradientRestriction === undefined ? {} : { gradientRestriction: o.gradientRestriction }) });
  return { backbone: pre.backbone, pretrainedHead: pre.head, full, original: originalWeights(full) };
}

/** Bit-for-bit equality of two weight sets (Object.is: −0 ≠ 0, NaN = NaN). */
export function sameWeights(a: WeightSet, b: WeightSet): boolean {
  return Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] !== undefined && v.data.every((x, i) => Object.is(x, b[k]?.data[i])));
}

/**
 * OMP's invariant on a job's result: every weight the magnitude mask of `original` at `sparsity` prunes is exactly 0.
 * Throws naming the first that is not; returns how many were pruned.
 */
export async function prunedWeightsAtZero(result: WeightSet, original: Params, sparsity: number): Promise<number> {
  const masks = await magnitudeMasks(original, sparsity);
  let pruned = 0;
  try {
    for (const [k, m] of Object.entries(masks)) {
      const mask = await m.data();
      result[k]?.data.forEach((x, i) => {
        if (mask[i] !== 0) return;
        pruned++;
        if (x !== 0) throw new Error(`${k}[${i}] was pruned but is ${x}`);
      });
    }
  } finally {
    for (const m of Object.values(masks)) m.dispose();
  }
  return pruned;
}
