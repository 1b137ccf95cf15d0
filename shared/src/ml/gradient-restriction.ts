import { tf, type Tensor, type Tensor1D, type Tensor2D, type Variable } from './tf.js';
import { lossOf } from './model.js';
import type { ModelConfig } from './model-config.js';

/**
 * IAU's gradient restriction (Liu et al., arXiv 2507.23257; the official `train_model.py`): train on
 * L_GR = L_b(θ) + α·Σ_k ‖∇_{θ_k} L_b(θ)‖₂, a sum of per-tensor gradient norms, so that no sample's gradient is
 * large when it is later removed by one gradient step.
 *
 * The penalty's gradient is Σ_k ∇θ‖∇_k L‖ = H·u with u the concatenated per-tensor unit gradients. Two ways:
 * - `exact`: double backprop (TF.js has second-order gradients for every op our dense models use);
 * - `finite-difference`: H·u ≈ [∇L(θ+εu) − ∇L(θ−εu)]/(2ε), two extra gradient evaluations, for models whose ops
 *   lack second-order kernels (conv filters, max-pool). Tested against `exact` on an MLP.
 */
export interface GradientRestriction {
  readonly alpha: number;
  readonly mode: 'exact' | 'finite-difference';
  /** ε of the finite difference (ignored by `exact`). */
  readonly epsilon?: number;
}

const TINY = 1e-12;

/**
 * exp whose gradient recomputes exp from the saved input. TF.js saves an op's *output* for its gradient as a copy
 * that is not on the tape, so the second derivative of `tf.exp` (gradient dy·y) silently loses the terms through
 * y; a saved input stays on the tape.
 */
const expTwice = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [Tensor, tf.GradSaveFunc];
  save([x]);
  return { value: tf.exp(x), gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => tf.mul(dy as Tensor, tf.exp(saved[0] as Tensor)) };
});

/**
 * The model's loss in a form whose second derivative TF.js gets right, which the plain one does not: measured on
 * an MLP against a numerical directional derivative of the penalised loss, double backprop through
 * `tf.losses.softmaxCrossEntropy` was 9 % off (its inner forward is a customGrad, off the tape) and through a
 * hand-written log-sum-exp 350 % off (`tf.exp` saves its output off the tape, see `expTwice`). Cross-entropy is
 * logsumexp(z) − z_y here, with the row max subtracted as a constant read off the tape (logsumexp does not depend
 * on it). Regression losses (square, abs) differentiate twice correctly already.
 */
export function twiceDifferentiableLoss(config: ModelConfig, logits: Tensor2D, labels: Tensor): tf.Scalar {
  if (config.task !== 'classification') return lossOf(config, logits, labels);
  const shift = tf.tensor2d(logits.max(1, true).dataSync(), [logits.shape[0], 1]);
  const z = tf.sub(logits, shift);
  const lse = tf.log(tf.sum(expTwice(z), 1));
  const picked = tf.sum(tf.mul(z, tf.oneHot(labels as Tensor1D, config.outputs)), 1);
  return tf.mean<tf.Scalar>(tf.sub(lse, picked));
}

function gradsOf(loss: () => tf.Scalar, vars: readonly Variable[]): { value: tf.Scalar; grads: Tensor[] } {
  const { value, grads } = tf.variableGrads(loss, [...vars]);
  return { value, grads: vars.map((v) => grads[v.name] ?? tf.zerosLike(v)) };
}

/**
 * ‖g‖₂ smoothed at 0: a fresh LoRA adapter (B = 0) has an exactly zero gradient for A, where the plain norm's
 * derivative is 0/0 = NaN. √(Σg² + δ) with δ = 1e-12 changes a non-zero norm by far less than float32 resolves.
 */
const smoothNorm = (g: Tensor): tf.Scalar => tf.sqrt<tf.Scalar>(tf.add<tf.Scalar>(tf.sum(tf.square(g)), 1e-12));
const normsSum = (grads: readonly Tensor[]): tf.Scalar => grads.map(smoothNorm).reduce((a, b) => tf.add<tf.Scalar>(a, b), tf.scalar(0));

/**
 * The GR loss's value and its gradient for each variable (same order as `vars`), without stepping. Call inside
 * tidy. The finite-difference mode moves the variables and puts them back exactly (the saved values).
 */
export function restrictedGradients(loss: () => tf.Scalar, vars: readonly Variable[], gr: GradientRestriction): { value: tf.Scalar; penalty: tf.Scalar; grads: Tensor[] } {
  if (gr.mode === 'exact') {
    let penalty: tf.Scalar = tf.scalar(0);
    const { value, grads } = gradsOf(() => {
      const inner = gradsOf(loss, vars);
      penalty = normsSum(inner.grads);
      return tf.add(inner.value, tf.mul(penalty, gr.alpha));
    }, vars);
    return { value, penalty, grads };
  }
  const eps = gr.epsilon ?? 1e-3;
  const base = gradsOf(loss, vars);
  const penalty = normsSum(base.grads);
  const units = base.grads.map((g) => tf.div(g, tf.maximum(tf.norm(g), TINY)));
  const saved = vars.map((v) => tf.clone(v));
  const shifted = (sign: 1 | -1): Tensor[] => {
    vars.forEach((v, i) => v.assign(tf.add(saved[i] as Tensor, tf.mul(units[i] as Tensor, sign * eps))));
    const r = gradsOf(loss, vars);
    r.value.dispose();
    return r.grads;
  };
  const plus = shifted(1);
  const minus = shifted(-1);
  vars.forEach((v, i) => v.assign(saved[i] as Tensor));
  const grads = base.grads.map((g, i) => tf.add(g, tf.mul(tf.div(tf.sub(plus[i] as Tensor, minus[i] as Tensor), 2 * eps), gr.alpha)));
  return { value: tf.add(base.value, tf.mul(penalty, gr.alpha)), penalty, grads };
}

/** Mean over samples of Σ_k ‖∇_k ℓ(x)‖ (per-sample gradients, one at a time): what GR training lowers (IAU's B2). */
export async function meanSampleGradientNorm(lossOfRow: (row: number) => tf.Scalar, vars: readonly Variable[], rows: readonly number[]): Promise<number> {
  let sum = 0;
  for (const r of rows) {
    const n = tf.tidy(() => {
      const { value, grads } = gradsOf(() => lossOfRow(r), vars);
      value.dispose();
      return normsSum(grads);
    });
    sum += (await n.data())[0] ?? Number.NaN;
    n.dispose();
  }
  return sum / Math.max(1, rows.length);
}
