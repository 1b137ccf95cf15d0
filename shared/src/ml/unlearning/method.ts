import type { z } from 'zod';
import type { Tensor } from '../tf.js';
import type { LabelledSet } from './data.js';
import type { Net, Params } from './net.js';

/** How the original model was trained: Retrain repeats it, and some defaults scale with it. */
export interface Recipe {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** The seed the original's adapters and shuffles derive from (Retrain starts from the same initialisation). */
  readonly seed: number;
  /** IAU's gradient-restriction α the original trained with (Retrain repeats it); absent or 0: none. */
  readonly gradientRestriction?: number;
}

export interface MethodContext {
  readonly net: Net;
  /** θ_o: read only; a method returns new tensors. */
  readonly original: Params;
  /** The pretrained head the original's training started from (Retrain's initialisation). */
  readonly pretrainedHead: { readonly w: Tensor; readonly b: Tensor };
  readonly recipe: Recipe;
  readonly forget: LabelledSet;
  /** D_r = D \ D_f, never containing a forget row. */
  readonly retain: LabelledSet;
  readonly classes: number;
  /** The job's seed (random labels, shuffles). */
  readonly seed: number;
  /** SSD's I_D over the original's training set, computed when it was trained (absent for other models). */
  readonly precomputedImportance?: { readonly batchSize: number; readonly params: Readonly<Record<string, Tensor>> };
  /** Fixed pruning masks (OMP): every update keeps masked entries at exactly 0. */
  readonly masks?: Readonly<Record<string, Tensor>>;
  readonly signal?: AbortSignal;
  /** Progress within the method, 0..1, with the latest loss when there is one. */
  progress(fraction: number, loss?: number): void;
}

export interface MethodResult {
  /** θ_u: fresh tensors the caller owns. */
  readonly params: Record<string, Tensor>;
  /** Forward+backward sample evaluations the method made (its compute, in the unit RTE is compared in). */
  readonly samplePasses: number;
  /** Seconds of one-off work inside the run that RTE leaves out (OMP's pruning and masked retraining). */
  readonly oneOffSeconds?: number;
  /** Method-specific figures (fraction dampened, γ schedule, pruning cost, ...). */
  readonly diagnostics: Readonly<Record<string, number>>;
}

/**
 * One approximate unlearning method: its name, its paper, a parameter schema whose defaults are the method's
 * defaults (every parameter range-checked; unknown parameters rejected), and `run`. Adding a method is adding a
 * module that exports one of these and listing it in the registry.
 */
export interface UnlearningMethod<P extends object = Record<string, unknown>> {
  readonly name: string;
  readonly title: string;
  readonly paper: string;
  /** False only for label-free methods: they run on a forget set submitted without labels. */
  readonly needsLabels: boolean;
  /** `class`: forgets whole classes only (a forget set of ids is refused at submit). Any forget set when unset. */
  readonly forgets?: 'class';
  /** The model tasks it unlearns; both when unset. */
  readonly tasks?: readonly ('classification' | 'regression')[];
  readonly schema: z.ZodType<P, Record<string, unknown>>;
  run(ctx: MethodContext, params: P): Promise<MethodResult>;
}
