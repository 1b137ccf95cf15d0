import type { GradSaveFunc } from '@tensorflow/tfjs';
import { tf, type Tensor } from '../tf.js';
import { reluMask, taskLayer, taskMatMul } from './task-matmul.js';

type Tensor3D = tf.Tensor3D;

/**
 * The layers of a group's training step on Lethe's wasm kernels, each one kernel call forward and a few backward
 * for all k tasks (TF.js's own ops take four to six passes over memory per layer). Gradients are written out;
 * every tensor is stacked over tasks ([k, rows, cols]).
 */

const transposeTasks = (t: Tensor3D): Tensor3D => tf.transpose(t, [0, 2, 1]);

/**
 * The trained block: h + relu(z0 + scale·(h·A)·B), with z0 = h·W + b its frozen product (h is data: no gradient
 * flows to it). Gradients for A and B.
 */
export function trainedBlock(h: Tensor3D, z0: Tensor3D, a: Tensor3D, b: Tensor3D, scale: number): Tensor3D {
  const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [at, bt, save] = args as [Tensor3D, Tensor3D, GradSaveFunc];
    const down = taskMatMul(h, at);
    const { out, pre } = taskLayer(down, bt, { scale, addend: z0, relu: true, res: h });
    save([down, pre as Tensor3D, bt]);
    return {
      value: out,
      gradFunc: (dy, saved) => {
        const [sDown, sPre, sB] = saved as [Tensor3D, Tensor3D, Tensor3D];
        const g = reluMask(dy, sPre, scale); // d(h·A·B) = scale·dy where the relu passed
        const dDown = taskMatMul(g, transposeTasks(sB));
        return [taskMatMul(h, dDown, true), taskMatMul(sDown, g, true)];
      },
    };
  });
  return op(a, b);
}

/** A frozen block above the trained one: x + relu(x·W + b) for a constant per-task W (its transpose made ahead). */
export function frozenBlock(w: Tensor3D, wT: Tensor3D, b: Tensor): (x: Tensor3D) => Tensor3D {
  const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [x, save] = args as [Tensor3D, GradSaveFunc];
    const { out, pre } = taskLayer(x, w, { bias: b, relu: true, res: x });
    save([pre as Tensor3D]);
    // d/dx = dy + (dy where the relu passed)·Wᵀ: one mask pass and one kernel call.
    return { value: out, gradFunc: (dy, saved) => [taskLayer(reluMask(dy, saved[0] as Tensor3D), wT, { res: dy }).out] };
  });
  return (x) => op(x);
}

/** The head: x·W + b per task (b [k, 1, C]); gradients for x, W and b. */
export function taskHead(x: Tensor3D, w: Tensor3D, b: Tensor3D): Tensor3D {
  const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [xt, wt, bt, save] = args as [Tensor3D, Tensor3D, Tensor3D, GradSaveFunc];
    save([xt, wt]);
    return {
      value: taskLayer(xt, wt, { bias: bt }).out,
      gradFunc: (dy, saved) => {
        const [sx, sw] = saved as [Tensor3D, Tensor3D];
        return [taskMatMul(dy, transposeTasks(sw)), taskMatMul(sx, dy, true), tf.sum(dy, 1, true)];
      },
    };
  });
  return op(x, w, b);
}

/**
 * A forward-only dense layer on the kernel: relu(z) for z = x·W + b, plus x when `residual` (a backbone block), and
 * z itself. One call instead of a product, a bias, a relu and a residual (no gradient: for frozen forward passes).
 */
export function denseForward(x: tf.Tensor2D, w: tf.Tensor2D, b: Tensor, residual: boolean): { out: tf.Tensor2D; pre: tf.Tensor2D } {
  return tf.tidy(() => {
    const [n, k] = x.shape;
    const m = w.shape[1];
    const x3 = x.reshape<Tensor3D>([1, n, k]);
    const { out, pre } = taskLayer(x3, w.reshape<Tensor3D>([1, k, m]), { bias: b, relu: true, ...(residual ? { res: x3 } : {}) });
    return { out: out.reshape<tf.Tensor2D>([n, m]), pre: (pre as Tensor3D).reshape<tf.Tensor2D>([n, m]) };
  });
}
