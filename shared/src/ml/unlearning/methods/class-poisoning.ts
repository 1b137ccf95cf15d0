import { z } from 'zod';
import { createRng, deriveSeed } from '../../../domain/rng.js';
import { invalidArgument } from '../../../errors/errors.js';
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../../tf.js';
import { headLogits } from '../../model.js';
import { chooseDonor, concatFloat32, conceptMargins, embedRows, fitElasticNetLogistic, inferredConceptBank, rankConcepts, type ConceptBank, type Embedded } from '../concepts.js';
import type { MethodContext, UnlearningMethod } from '../method.js';
import { embeddingOf } from '../net.js';
import { Sgd, epochLoop } from '../sgd.js';

/**
 * Class unlearning by concept inference and data poisoning (Chang, Zhu, Xu, Liu, Zhou; arXiv 2405.15662).
 *
 * 1. Concept inference: a concept bank in the model's embedding space (class-mean and principal directions, see
 *    `concepts.ts`), concept margins, a post-hoc concept bottleneck (elastic-net logistic regression from margins
 *    to labels, the paper's α = 1e-5, l1_ratio 0.99), the target class's concepts ranked by its weights, and the
 *    donor class by the "confusion" rule (or "shared", or one given).
 * 2. Poisoning: every training sample of the target class is relabelled — to the donor (`targeted`), uniformly at
 *    random (`random`, may draw the class itself) or not at all (`keep`, the authors' control); images are not
 *    patched (the authors' ablation: the label flip is what forgets; patch-only does not).
 * 3. Head fine-tuning with the backbone and adapters frozen: SGD lr 1e-3, momentum 0.9, batch 32, 20 epochs (the
 *    paper's CIFAR-10 recipe). Frozen features are cached, so each epoch is head-only work.
 *
 * Departures: concepts come from the model itself, not CLIP/ConceptNet (no concept bank is available offline);
 * no Integrated Gradients (the authors use IG only for their LLM experiments).
 */
export const ClassPoisoningSchema = z
  .object({
    labelMode: z.enum(['targeted', 'random', 'keep']).default('targeted'),
    donorRule: z.enum(['confusion', 'shared']).default('confusion'),
    /** A donor class chosen by the caller (concept inference still runs and is reported). */
    donor: z.number().int().min(0).max(999).optional(),
    topConcepts: z.number().int().min(1).max(50).default(5),
    /** Principal directions added to the per-class directions of the concept bank. */
    principalConcepts: z.number().int().min(0).max(64).default(10),
    epochs: z.number().int().min(1).max(200).default(20),
    learningRate: z.number().positive().max(10).default(1e-3),
    momentum: z.number().min(0).max(0.999).default(0.9),
    batchSize: z.number().int().min(1).max(65536).default(32),
  })
  .strict();
export type ClassPoisoningParams = z.output<typeof ClassPoisoningSchema>;

/** The single class a forget set holds, or INVALID_ARGUMENT: this method forgets whole classes. */
export async function targetClassOf(forget: { y: Tensor1D }): Promise<number> {
  const labels = new Set(Array.from(await forget.y.data()));
  if (labels.size !== 1) throw invalidArgument(`class-poisoning forgets one whole class; the forget set holds ${labels.size} classes (submit forget.class_label)`, { field: 'forget' });
  return [...labels][0] as number;
}

export interface ConceptInference {
  readonly bank: ConceptBank;
  readonly ranking: number[];
  readonly donor: number;
  readonly decidingConcept: number;
  readonly rule: 'confusion' | 'shared' | 'given';
  readonly pcbmAccuracy: number;
}

/** Concept inference on embedded training data (both of the job's sets), for `target`. */
export async function inferDonor(data: Embedded, classes: number, target: number, p: Pick<ClassPoisoningParams, 'donorRule' | 'donor' | 'topConcepts' | 'principalConcepts'>, seed: number, bank?: ConceptBank): Promise<ConceptInference> {
  const concepts = bank ?? inferredConceptBank(data, classes, p.principalConcepts, seed);
  const K = concepts.names.length;
  const pcbm = await fitElasticNetLogistic(conceptMargins(concepts, data), data.y, data.n, classes);
  const ranking = rankConcepts(pcbm, K, target);
  const choice = chooseDonor(pcbm, classes, K, target, p.donorRule, p.topConcepts);
  if (p.donor !== undefined) {
    if (p.donor >= classes || p.donor === target) throw invalidArgument(`parameters.donor must be another class of the model, 0..${classes - 1} but not ${target}; got ${p.donor}`, { field: 'parameters.donor' });
    return { bank: concepts, ranking, donor: p.donor, decidingConcept: choice.concept, rule: 'given', pcbmAccuracy: pcbm.accuracy };
  }
  return { bank: concepts, ranking, donor: choice.donor, decidingConcept: choice.concept, rule: choice.rule, pcbmAccuracy: pcbm.accuracy };
}

/** Poisoned labels for the target's rows. */
export function poisonLabels(count: number, target: number, donor: number, classes: number, mode: ClassPoisoningParams['labelMode'], seed: number): Int32Array {
  const rng = createRng(seed);
  return Int32Array.from({ length: count }, () => (mode === 'targeted' ? donor : mode === 'random' ? rng.int(0, classes - 1) : target));
}

export const classPoisoningMethod: UnlearningMethod<ClassPoisoningParams> = {
  name: 'class-poisoning',
  title: 'Class unlearning by concept inference and poisoning',
  paper: 'Chang, Zhu, Xu, Liu, Zhou, Class Machine Unlearning via Concept Inference and Data Poisoning (arXiv 2405.15662)',
  needsLabels: true,
  tasks: ['classification'],
  forgets: 'class',
  schema: ClassPoisoningSchema,
  async run(ctx: MethodContext, p) {
    const target = await targetClassOf(ctx.forget);
    const embed = (h: Tensor2D): Tensor2D => embeddingOf(ctx.net, ctx.original, h);
    // Frozen features of D_r then D_f: the head is all that trains.
    const retain = await embedRows(embed, ctx.retain.h, ctx.retain.y);
    const forget = await embedRows(embed, ctx.forget.h, ctx.forget.y);
    const all: Embedded = { e: concatFloat32([retain.e, forget.e]), y: Int32Array.from([...Array.from(retain.y), ...Array.from(forget.y)]), n: retain.n + forget.n, width: retain.width };
    const inference = await inferDonor(all, ctx.classes, target, p, deriveSeed(ctx.seed, 'concepts'));
    ctx.progress(0.1);
    const poisoned = poisonLabels(forget.n, target, inference.donor, ctx.classes, p.labelMode, deriveSeed(ctx.seed, 'poison'));
    const features = tf.tensor2d(all.e, [all.n, all.width]);
    const labels = tf.tensor1d(Int32Array.from([...Array.from(retain.y), ...poisoned]), 'int32');
    const vars = { w: tf.variable(ctx.original['head.w'] as Tensor, true, `cidp.w.${Math.random()}`), b: tf.variable(ctx.original['head.b'] as Tensor, true, `cidp.b.${Math.random()}`) };
    const opt = new Sgd(vars, { learningRate: p.learningRate, momentum: p.momentum, weightDecay: 0 });
    try {
      const r = await epochLoop({
        rows: all.n,
        batchSize: p.batchSize,
        epochs: p.epochs,
        seed: deriveSeed(ctx.seed, 'cidp'),
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
        step: (idx) =>
          opt.step(() =>
            tf.losses.softmaxCrossEntropy<Tensor2D, tf.Scalar>(tf.oneHot(tf.gather(labels, idx), ctx.classes) as Tensor2D, headLogits({ w: vars.w as unknown as Tensor2D, b: vars.b as unknown as Tensor1D }, tf.gather<Tensor2D>(features, idx))),
          ),
        afterEpoch: (e, loss) => ctx.progress(0.1 + (0.9 * (e + 1)) / p.epochs, loss),
      });
      const params: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(ctx.original)) if (!k.startsWith('head.')) params[k] = tf.clone(t);
      params['head.w'] = tf.clone(vars.w);
      params['head.b'] = tf.clone(vars.b);
      return {
        params,
        // Head-only passes: each is a forward and backward through the head alone, plus one forward to embed D.
        samplePasses: r.samplePasses,
        diagnostics: {
          targetClass: target,
          donorClass: inference.donor,
          decidingConcept: inference.decidingConcept,
          donorRuleConfusion: inference.rule === 'confusion' ? 1 : 0,
          donorGiven: inference.rule === 'given' ? 1 : 0,
          concepts: inference.bank.names.length,
          pcbmTrainAccuracy: inference.pcbmAccuracy,
          headOnlyPasses: r.samplePasses,
          finalLoss: r.lastLoss,
        },
      };
    } finally {
      opt.dispose();
      tf.dispose([features, labels, vars.w, vars.b]);
    }
  },
};
