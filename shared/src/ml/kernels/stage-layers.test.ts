import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend.js';
import { tf } from '../tf.js';
import { registerTaskMatMul } from './task-matmul.js';
import { frozenBlock, taskHead, trainedBlock } from './stage-layers.js';
import { ModelConfigSchema } from '../model-config.js';
import { block, frozenBlockPass, initBackbone, stem } from '../model.js';

beforeAll(async () => {
  await selectBackend({ forced: 'wasm' });
  registerTaskMatMul();
});

type T3 = tf.Tensor3D;
const K = 3;
const B = 6;
const H = 10;
const R = 2;
const C = 4;
const rand = (shape: [number, number, number], seed: number): T3 => tf.randomNormal(shape, 0, 0.5, 'float32', seed);

/** Largest |a − b| over the largest |b|: the hand-written gradient against TF.js's autodiff of the same function. */
function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number) / Math.max(1e-12, tf.tidy(() => tf.max(tf.abs(b)).dataSync()[0] as number));
}

/** ∂(Σ out ⊙ probe)/∂inputs of `f`, for the given inputs. */
function grads(f: (...xs: T3[]) => T3, inputs: T3[], probe: T3): tf.Tensor[] {
  return tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...(xs as T3[])), probe)))(inputs);
}

describe('stage layers on the wasm kernels: values and hand-written gradients match TF.js’s own ops', () => {
  it('trained block h + relu(z0 + s·h·A·B): value, ∂A and ∂B', () => {
    const [h, z0, a, b] = [rand([K, B, H], 1), rand([K, B, H], 2), rand([K, H, R], 3), rand([K, R, H], 4)];
    const probe = rand([K, B, H], 5);
    const s = 0.75;
    const reference = (at: T3, bt: T3): T3 => tf.add(h, tf.relu(tf.add(z0, tf.mul(tf.matMul(tf.matMul(h, at), bt), s))));
    expect(relativeError(trainedBlock(h, z0, a, b, s), reference(a, b))).toBeLessThan(1e-5);
    const ours = grads((at, bt) => trainedBlock(h, z0, at, bt, s), [a, b], probe);
    const theirs = grads(reference, [a, b], probe);
    ours.forEach((g, i) => expect(relativeError(g, theirs[i] as tf.Tensor)).toBeLessThan(1e-4));
    // The comparison can fail: a gradient of the wrong sign is far off.
    expect(relativeError(tf.neg(ours[0] as tf.Tensor), theirs[0] as tf.Tensor)).toBeGreaterThan(1);
  });

  it('frozen block x + relu(x·W + b): value and ∂x', () => {
    const [x, w] = [rand([K, B, H], 6), rand([K, H, H], 7)];
    const bias = tf.randomNormal([H], 0, 0.5, 'float32', 8);
    const probe = rand([K, B, H], 9);
    const block = frozenBlock(w, tf.transpose(w, [0, 2, 1]), bias);
    const reference = (xt: T3): T3 => tf.add(xt, tf.relu(tf.add(tf.matMul(xt, w), bias)));
    expect(relativeError(block(x), reference(x))).toBeLessThan(1e-5);
    const [ours] = grads(block, [x], probe);
    const [theirs] = grads(reference, [x], probe);
    expect(relativeError(ours as tf.Tensor, theirs as tf.Tensor)).toBeLessThan(1e-4);
  });

  it('head x·W + b per task: value, ∂x, ∂W and ∂b', () => {
    const [x, w, b] = [rand([K, B, H], 10), rand([K, H, C], 11), rand([K, 1, C], 12)];
    const probe = rand([K, B, C], 13);
    const reference = (xt: T3, wt: T3, bt: T3): T3 => tf.add(tf.matMul(xt, wt), bt);
    expect(relativeError(taskHead(x, w, b), reference(x, w, b))).toBeLessThan(1e-5);
    const ours = grads((xt, wt, bt) => taskHead(xt, wt, bt), [x, w, b], probe);
    const theirs = grads(reference, [x, w, b], probe);
    expect(ours.map((g) => g.shape)).toEqual([[K, B, H], [K, H, C], [K, 1, C]]);
    ours.forEach((g, i) => expect(relativeError(g, theirs[i] as tf.Tensor)).toBeLessThan(1e-4));
  });

  it('the frozen-prefix pass on the kernel equals TF.js’s stem and blocks bit for bit, its products h·W + b too (dense and conv stems)', () => {
    for (const input of [{ inputShape: [12] }, { inputShape: [6, 6, 1], convStem: true }]) {
      const config = ModelConfigSchema.parse({ ...input, task: 'classification', outputs: 3, hidden: 16, blocks: 3, adapterBlocks: 2 });
      const { backbone } = initBackbone(config, 3);
      const x = tf.randomNormal([20, ...config.inputShape], 0, 1, 'float32', 4);
      const pass = frozenBlockPass(config, backbone, x, 1);
      expect(pass.inputs).toHaveLength(2);
      let h = stem(config, backbone, x);
      for (let k = 0; k < config.blocks; k++) {
        if (k >= 1) {
          const product = tf.add(tf.matMul(h, backbone.blockW[k] as tf.Tensor2D), backbone.blockB[k] as tf.Tensor1D);
          expect(Buffer.from((pass.inputs[k - 1] as tf.Tensor).dataSync().buffer).equals(Buffer.from(h.dataSync().buffer))).toBe(true);
          expect(Buffer.from((pass.products?.[k - 1] as tf.Tensor).dataSync().buffer).equals(Buffer.from(product.dataSync().buffer))).toBe(true);
        }
        h = block(config, backbone, k, h, undefined);
      }
    }
  });
});
