import { beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf.js';
import { denseMatMul } from './dense.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

/** Runs f on a backend and returns every output as a plain array (so results can cross backends). */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  await tf.ready();
  return tf.tidy(f).map((t) => {
    const data = Float32Array.from(t.dataSync() as Float32Array);
    t.dispose();
    return data;
  });
}

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let scale = 1e-6;
  b.forEach((v) => (scale = Math.max(scale, Math.abs(v))));
  let worst = 0;
  a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (b[i] as number)) / scale)));
  return worst;
}

describe('wasm training fixes: gradients match the cpu backend', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerWasmTrainingKernels();
  });

  it('denseMatMul: value and both gradients equal matMul autograd on cpu', async () => {
    const xs = Float32Array.from({ length: 32 * 20 }, (_, i) => Math.sin(i));
    const ws = Float32Array.from({ length: 20 * 12 }, (_, i) => Math.cos(i * 0.7));
    const dys = Float32Array.from({ length: 32 * 12 }, (_, i) => Math.sin(i * 1.3));
    const grads = (mm: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) => (): tf.Tensor[] => {
      const x = tf.tensor2d(xs, [32, 20]);
      const w = tf.tensor2d(ws, [20, 12]);
      const dy = tf.tensor2d(dys, [32, 12]);
      const { value, grads: g } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(mm(a as tf.Tensor2D, b as tf.Tensor2D), dy)))([x, w]);
      return [value, ...g];
    };
    const reference = await on('cpu', grads((a, b) => tf.matMul(a, b)));
    const fixed = await on('wasm', grads(denseMatMul));
    reference.forEach((r, i) => expect(maxRelativeError(fixed[i] as Float32Array, r)).toBeLessThan(1e-5));
  });

  it.each([
    { name: 'valid, stride 1', pad: 'valid' as const, stride: 1 },
    { name: 'same, stride 1', pad: 'same' as const, stride: 1 },
    { name: 'same, stride 2', pad: 'same' as const, stride: 2 },
    { name: 'valid, stride 2', pad: 'valid' as const, stride: 2 },
  ])('conv2d filter and input gradients ($name) equal cpu within 1e-5', async ({ pad, stride }) => {
    const xs = Float32Array.from({ length: 3 * 9 * 9 * 2 }, (_, i) => Math.sin(i * 0.37));
    const fs = Float32Array.from({ length: 3 * 3 * 2 * 4 }, (_, i) => Math.cos(i * 0.11));
    const run = (): tf.Tensor[] => {
      const x = tf.tensor4d(xs, [3, 9, 9, 2]);
      const f = tf.tensor4d(fs, [3, 3, 2, 4]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad))));
      return g([x, f]);
    };
    const reference = await on('cpu', run);
    const fixed = await on('wasm', run);
    reference.forEach((r, i) => expect(maxRelativeError(fixed[i] as Float32Array, r)).toBeLessThan(1e-5));
  });

  it('wasm would fail conv2d training without the registered kernel', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc.toString()).toContain('PadV2'); // ours, not a built-in
  });
});
