import { tf } from '../tf.js';
import { batchOf, type LabelledSet } from './data.js';
import { logitsOf, type Net, type Params } from './net.js';
import { rbfSvcPredict } from './svm.js';
import type { ComparedMetrics } from './gap.js';

/** Per-sample read-outs of a model on a set: whether it predicts the label, and its softmax confidence in it. */
export interface Readout {
  readonly correct: Uint8Array;
  readonly confidence: Float32Array;
}

export async function readout(net: Net, params: Params, set: LabelledSet, batch = 1000): Promise<Readout> {
  const correct = new Uint8Array(set.n);
  const confidence = new Float32Array(set.n);
  for (let start = 0; start < set.n; start += batch) {
    const { h, y } = batchOf(set, start, batch);
    const { pred, conf } = tf.tidy(() => {
      const logits = logitsOf(net, params, h);
      const probs = tf.softmax(logits);
      const yi = y.cast('int32');
      const picked = tf.sum(tf.mul(probs, tf.oneHot(yi, net.config.outputs)), 1);
      return { pred: tf.equal(tf.argMax(logits, 1), yi).cast('int32'), conf: picked };
    });
    const p = await pred.data();
    const c = await conf.data();
    correct.set(Uint8Array.from(p), start);
    confidence.set(c, start);
    tf.dispose([pred, conf, h, y]);
  }
  return { correct, confidence };
}

export const accuracyOf = (r: Readout): number => (r.correct.length === 0 ? Number.NaN : r.correct.reduce((s, c) => s + c, 0) / r.correct.length);

/**
 * MIA-efficacy as Unlearn-Sparse computes it: an RBF SVC (C = 3, γ = 1/n_features = 1) on one feature, the
 * confidence in the true label, trained on members = the first |D_test*| retain samples (label 1) against
 * non-members = D_test* (label 0); the efficacy is the share of D_f it predicts to be non-members, in percent.
 */
export async function miaEfficacy(retain: Readout, test: Readout, forget: Readout): Promise<{ efficacy: number; shadowAccuracy: number }> {
  const members = Array.from(retain.confidence.subarray(0, Math.min(retain.confidence.length, test.confidence.length)), (c) => [c]);
  const nonMembers = Array.from(test.confidence.subarray(0, members.length), (c) => [c]);
  const features = [...members, ...nonMembers];
  const labels = [...members.map(() => 1), ...nonMembers.map(() => 0)];
  const target = Array.from(forget.confidence, (c) => [c]);
  const predictions = await rbfSvcPredict({ features, labels }, [...target, ...features], { cost: 3, gamma: 1 });
  const onTarget = predictions.slice(0, target.length);
  const onShadow = predictions.slice(target.length);
  const shadowAccuracy = onShadow.reduce((s, p, i) => s + (p === labels[i] ? 1 : 0), 0) / Math.max(1, onShadow.length);
  return { efficacy: (100 * onTarget.filter((p) => p === 0).length) / Math.max(1, target.length), shadowAccuracy };
}

/** The Unlearn-Sparse suite for one model, in percent: the four compared figures and what explains them. */
export interface SuiteMetrics extends ComparedMetrics {
  /** Balanced accuracy of the shadow attack on its own training data: near 50 % means the attack sees nothing. */
  readonly miaShadowAccuracy: number;
  /** Regression models: cohort errors (UA, RA and TA are then 0, and `mia` is the loss-feature attack). */
  readonly regression?: { forgetMae: number; retainMae: number; testMae: number; forgetMse: number; retainMse: number; testMse: number };
}

/** Runs between an evaluation's phases: a job's cancel check (it throws to stop the evaluation there). */
export type BetweenPhases = () => Promise<void>;

export async function evaluateSuite(net: Net, params: Params, sets: { forget: LabelledSet; retain: LabelledSet; test: LabelledSet }, between: BetweenPhases = () => Promise.resolve()): Promise<SuiteMetrics> {
  const f = await readout(net, params, sets.forget);
  await between();
  const r = await readout(net, params, sets.retain);
  await between();
  const t = await readout(net, params, sets.test);
  await between();
  const mia = await miaEfficacy(r, t, f);
  return { ua: 100 * (1 - accuracyOf(f)), ra: 100 * accuracyOf(r), ta: 100 * accuracyOf(t), mia: mia.efficacy, miaShadowAccuracy: 100 * mia.shadowAccuracy };
}
