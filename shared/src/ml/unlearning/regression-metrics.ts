import { createRng, shuffleInPlace } from '../../domain/rng.js';
import { tf, type Tensor2D } from '../tf.js';
import { lossOf } from '../model.js';
import { Adam } from './adam.js';
import { batchOf, type LabelledSet } from './data.js';
import { logitsOf, variablesOf, type Net, type Params } from './net.js';
import type { BetweenPhases } from './metrics.js';
import { epochLoop } from './sgd.js';
import { rbfSvcPredict } from './svm.js';

/**
 * Deep Regression Unlearning's read-outs (Tarun et al., ICML 2023): cohort errors, the 1-D Wasserstein distance to
 * the retrained model's predictions on the forget set, a loss-feature membership attack and the Anamnesis Index.
 * Means are sample-weighted (the official `evaluate` averages per-batch means, which is not).
 */

/** The model's scalar predictions on a set, in row order. */
export async function predictionsOf(net: Net, params: Params, set: LabelledSet, batch = 1000): Promise<Float32Array> {
  const out = new Float32Array(set.n);
  for (let start = 0; start < set.n; start += batch) {
    const { h, y } = batchOf(set, start, batch);
    const p = tf.tidy(() => logitsOf(net, params, h).reshape([-1]));
    out.set(await p.data(), start);
    tf.dispose([p, h, y]);
  }
  return out;
}

export interface CohortErrors {
  readonly mae: number;
  readonly mse: number;
}

export function cohortErrors(pred: ArrayLike<number>, target: ArrayLike<number>): CohortErrors {
  if (pred.length !== target.length) throw new Error(`cohortErrors: ${pred.length} predictions for ${target.length} targets`);
  if (pred.length === 0) return { mae: Number.NaN, mse: Number.NaN };
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < pred.length; i++) {
    const e = (pred[i] as number) - (target[i] as number);
    abs += Math.abs(e);
    sq += e * e;
  }
  return { mae: abs / pred.length, mse: sq / pred.length };
}

/**
 * The 1-D Wasserstein-1 distance between two empirical distributions (scipy's `wasserstein_distance`): the
 * integral of |F_a − F_b| between their step CDFs.
 */
export function wasserstein1d(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length === 0 || b.length === 0) return Number.NaN;
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  const all = Float64Array.from([...sa, ...sb]).sort();
  let ia = 0;
  let ib = 0;
  let total = 0;
  for (let k = 0; k < all.length - 1; k++) {
    const x = all[k] as number;
    while (ia < sa.length && (sa[ia] as number) <= x) ia++;
    while (ib < sb.length && (sb[ib] as number) <= x) ib++;
    total += Math.abs(ia / sa.length - ib / sb.length) * ((all[k + 1] as number) - x);
  }
  return total;
}

export interface LossMia {
  /** Share of D_f the attack calls a non-member, in percent (higher: less is remembered; compare with Retrain). */
  readonly efficacy: number;
  /** Balanced accuracy of the attack on its own shadow data, in percent (near 50: it sees nothing). */
  readonly shadowAccuracy: number;
}

/** Per-sample absolute error: the loss feature DRU's attack reads. */
export function absoluteErrors(pred: ArrayLike<number>, target: ArrayLike<number>): number[] {
  return Array.from(pred, (p, i) => Math.abs(p - (target[i] as number)));
}

/**
 * DRU's membership attack: an RBF SVC (C = 3, γ = 1/n_features = 1) on one feature, the per-sample L1 loss,
 * trained on members (a seeded sample of up to `perSide` retain rows) against as many non-members (test rows),
 * then asked about D_f. DRU samples its members from the whole training set (forget rows included); members here
 * come from D_r only, so the attack never trains on the rows it is asked about.
 */
export async function lossMia(retainLoss: readonly number[], testLoss: readonly number[], forgetLoss: readonly number[], seed: number, perSide = 2000): Promise<LossMia> {
  const rng = createRng(seed);
  const pick = (v: readonly number[], n: number): number[] => {
    const idx = Array.from(v, (_, i) => i);
    shuffleInPlace(idx, rng);
    return idx.slice(0, n).map((i) => v[i] as number);
  };
  const n = Math.min(perSide, retainLoss.length, testLoss.length);
  if (n === 0 || forgetLoss.length === 0) return { efficacy: Number.NaN, shadowAccuracy: Number.NaN };
  const members = pick(retainLoss, n).map((l) => [l]);
  const nonMembers = pick(testLoss, n).map((l) => [l]);
  const features = [...members, ...nonMembers];
  const labels = [...members.map(() => 1), ...nonMembers.map(() => 0)];
  const target = forgetLoss.map((l) => [l]);
  const predictions = await rbfSvcPredict({ features, labels }, [...target, ...features], { cost: 3, gamma: 1 });
  const onTarget = predictions.slice(0, target.length);
  const onShadow = predictions.slice(target.length);
  return {
    efficacy: (100 * onTarget.filter((p) => p === 0).length) / target.length,
    shadowAccuracy: (100 * onShadow.reduce((s, p, i) => s + (p === labels[i] ? 1 : 0), 0)) / onShadow.length,
  };
}

/** The regression suite of one model on a job's sets (errors in the dataset's target units). */
export interface RegressionMetrics {
  readonly forgetMae: number;
  readonly retainMae: number;
  readonly testMae: number;
  readonly forgetMse: number;
  readonly retainMse: number;
  readonly testMse: number;
  readonly mia: number;
  readonly miaShadowAccuracy: number;
}

export async function evaluateRegression(net: Net, params: Params, sets: { forget: LabelledSet; retain: LabelledSet; test: LabelledSet }, seed = 0, between: BetweenPhases = () => Promise.resolve()): Promise<RegressionMetrics> {
  const errorsOn = async (s: LabelledSet): Promise<{ e: CohortErrors; loss: number[] }> => {
    const pred = await predictionsOf(net, params, s);
    const y = await s.y.data();
    return { e: cohortErrors(pred, y), loss: absoluteErrors(pred, y) };
  };
  const f = await errorsOn(sets.forget);
  await between();
  const r = await errorsOn(sets.retain);
  await between();
  const t = await errorsOn(sets.test);
  await between();
  const mia = await lossMia(r.loss, t.loss, f.loss, seed);
  return { forgetMae: f.e.mae, retainMae: r.e.mae, testMae: t.e.mae, forgetMse: f.e.mse, retainMse: r.e.mse, testMse: t.e.mse, mia: mia.efficacy, miaShadowAccuracy: mia.shadowAccuracy };
}

export interface RelearnOptions {
  /** The data relearning trains on: DRU uses the full training set (D_r ∪ D_f). */
  readonly train: LabelledSet;
  /** Forget-cohort validation rows whose loss is watched after every step. */
  readonly forgetVal: LabelledSet;
  /** Stop once the forget-validation loss is at most this. */
  readonly targetLoss: number;
  readonly learningRate?: number;
  readonly batchSize?: number;
  readonly maxEpochs?: number;
  readonly seed: number;
}

/** The model's loss (its own regression loss) on a set. */
export async function setLossValue(net: Net, params: Params, set: LabelledSet): Promise<number> {
  const l = tf.tidy(() => lossOf(net.config, logitsOf(net, params, set.h), set.y));
  const v = (await l.data())[0] ?? Number.NaN;
  l.dispose();
  return v;
}

/**
 * Relearn time: Adam steps (lr 0.01, batch 256, at most 10 epochs over `train`, as DRU's notebook) until the
 * forget-validation loss falls to `targetLoss`, checked after every step. Works on a copy: the model passed in is
 * left as it was (DRU's own function trains in place). Returns the steps taken, or null if the bound was reached.
 */
export async function relearnSteps(net: Net, params: Params, o: RelearnOptions): Promise<number | null> {
  if ((await setLossValue(net, params, o.forgetVal)) <= o.targetLoss) return 0;
  const vars = variablesOf(params, 'relearn');
  const opt = new Adam(vars, { learningRate: o.learningRate ?? 0.01 });
  let steps = 0;
  let reached: number | null = null;
  const stop = new AbortController();
  try {
    await epochLoop({
      rows: o.train.n,
      batchSize: o.batchSize ?? 256,
      epochs: o.maxEpochs ?? 10,
      seed: o.seed,
      signal: stop.signal,
      step: (idx) => {
        const loss = opt.step(() => lossOf(net.config, logitsOf(net, vars, tf.gather<Tensor2D>(o.train.h, idx)), tf.gather(o.train.y, idx)));
        steps++;
        const val = tf.tidy(() => lossOf(net.config, logitsOf(net, vars, o.forgetVal.h), o.forgetVal.y));
        const v = val.dataSync()[0] ?? Number.NaN;
        val.dispose();
        if (reached === null && v <= o.targetLoss) {
          reached = steps;
          stop.abort();
        }
        return loss;
      },
    });
  } catch (err) {
    if (reached === null) throw err;
  } finally {
    opt.dispose();
    tf.dispose(Object.values(vars));
  }
  return reached;
}

/**
 * The Anamnesis Index: rt(θ_u) / rt(θ_*), relearn times to (1 + α)·L(θ_o; forget-val), α = 0.05. ≈ 1 is ideal,
 * ≪ 1 means the forgotten cohort comes back fast (information left), > 1 over-unlearning. A model that never
 * relearns within the bound counts the bound (steps of maxEpochs epochs) plus one; when Retrain itself does not,
 * there is no reference and `ain` is null.
 */
export async function anamnesisIndex(
  net: Net,
  models: { original: Params; unlearned: Params; retrained: Params },
  o: Omit<RelearnOptions, 'targetLoss'> & { alpha?: number },
): Promise<{ ain: number | null; unlearnedSteps: number; retrainedSteps: number; unlearnedReached: boolean; retrainedReached: boolean; targetLoss: number }> {
  const targetLoss = (1 + (o.alpha ?? 0.05)) * (await setLossValue(net, models.original, o.forgetVal));
  const bound = Math.ceil(o.train.n / (o.batchSize ?? 256)) * (o.maxEpochs ?? 10) + 1;
  const uSteps = await relearnSteps(net, models.unlearned, { ...o, targetLoss });
  const rSteps = await relearnSteps(net, models.retrained, { ...o, targetLoss });
  const u = uSteps ?? bound;
  const r = rSteps ?? bound;
  const ain = rSteps === null ? null : r === 0 ? (u === 0 ? 1 : Number.POSITIVE_INFINITY) : u / r;
  return { ain, unlearnedSteps: u, retrainedSteps: r, unlearnedReached: uSteps !== null, retrainedReached: rSteps !== null, targetLoss };
}
