import type { GradSaveFunc } from '@tensorflow/tfjs';
import { tf, type Tensor2D } from './tf.js';

/**
 * x·w with a gradient that transposes explicitly. TF.js's default matMul gradient uses transposed BatchMatMul,
 * which the wasm backend runs ~12× slower than a Transpose followed by a plain product (guides/compute.md);
 * dense-layer backprop is made of exactly those products.
 */
const customDense = tf.customGrad((...args: (tf.Tensor | GradSaveFunc)[]) => {
  const [xt, wt, save] = args as [Tensor2D, Tensor2D, GradSaveFunc];
  save([xt, wt]);
  return {
    value: tf.matMul(xt, wt),
    gradFunc: (dy, saved) => {
      const [sx, sw] = saved as [Tensor2D, Tensor2D];
      const d = dy as Tensor2D;
      return [tf.matMul(d, tf.transpose(sw)), tf.matMul(tf.transpose(sx), d)];
    },
  };
});

export function denseMatMul(x: Tensor2D, w: Tensor2D): Tensor2D {
  return customDense(x, w) as Tensor2D;
}

/** The plain product whose gradient uses transposed matmuls: the "before" of the wasm fix, for benchmarks. */
export function plainMatMul(x: Tensor2D, w: Tensor2D): Tensor2D {
  return tf.matMul(x, w);
}

export type MatMul = (x: Tensor2D, w: Tensor2D) => Tensor2D;
