import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend.js';
import { createRng } from '../../domain/rng.js';
import { tf } from '../tf.js';
import { batchMatMulWat } from './batch-matmul-wat.js';
import { BATCH_MATMUL_WASM } from './batch-matmul-wasm.js';
import { compileWat } from './compile-wat.js';
import { adamStep, gatherRows, registerTaskMatMul, reluMask, taskLayer, taskMatMul, type TaskLayerOptions } from './task-matmul.js';

beforeAll(async () => {
  await selectBackend({ forced: 'wasm' });
  registerTaskMatMul();
});

const f = Math.fround;

/** Values with a spread of magnitudes and signs (and exact zeros), so rounding differences would show. */
function values(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, (_, i) => (i % 17 === 0 ? 0 : f((rng.float() - 0.5) * 2 ** Math.floor(rng.float() * 12 - 6))));
}

interface Case {
  readonly k: number;
  readonly m: number;
  readonly kd: number;
  readonly n: number;
  readonly transposeA?: boolean;
  readonly sharedB?: boolean;
}

/** The definition, element by element, in float32: p = Σ_l a·b in l order, then the epilogue in its stated order. */
function reference(c: Case, A: Float32Array, B: Float32Array, o: { scale?: number; addend?: Float32Array; bias?: Float32Array; relu?: boolean; res?: Float32Array }): { out: Float32Array; pre: Float32Array } {
  const { k, m, kd, n } = c;
  const out = new Float32Array(k * m * n);
  const pre = new Float32Array(k * m * n);
  for (let t = 0; t < k; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let p = 0;
        for (let l = 0; l < kd; l++) {
          const a = c.transposeA === true ? (A[t * kd * m + l * m + i] as number) : (A[t * m * kd + i * kd + l] as number);
          const b = B[(c.sharedB === true ? 0 : t * kd * n) + l * n + j] as number;
          p = f(p + f(a * b));
        }
        const e = t * m * n + i * n + j;
        let z = f(p * (o.scale ?? 1));
        if (o.addend !== undefined) z = f((o.addend[e] as number) + z);
        if (o.bias !== undefined) z = f(z + (o.bias[o.bias.length === n ? j : t * n + j] as number));
        if (o.relu === true) {
          pre[e] = z;
          z = Math.max(z, 0);
        }
        out[e] = o.res === undefined ? z : f((o.res[e] as number) + z);
      }
    }
  }
  return { out, pre };
}

const bits = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

describe('Lethe wasm kernels', () => {
  it('the committed binary is the generator’s text compiled (npm run build:kernels)', async () => {
    const compiled = await compileWat('batch-matmul.wat', batchMatMulWat());
    expect(Buffer.from(compiled).equals(Buffer.from(BATCH_MATMUL_WASM, 'base64'))).toBe(true);
  });

  const cases: Case[] = [
    { k: 3, m: 5, kd: 7, n: 11 }, // every tile kind: 4-row and single rows, 8-, 4- and 1-column
    { k: 2, m: 9, kd: 13, n: 10, transposeA: true },
    { k: 4, m: 64, kd: 128, n: 8 },
    { k: 2, m: 8, kd: 33, n: 128, transposeA: true },
    { k: 3, m: 6, kd: 5, n: 3, sharedB: true },
    { k: 1, m: 4, kd: 0, n: 3 }, // an empty sum is 0
    { k: 2, m: 1, kd: 1, n: 1 },
  ];

  it.each(cases)('products equal the float32 definition bit for bit: %o', (c) => {
    const A = values(c.k * c.m * c.kd, 1);
    const B = values((c.sharedB === true ? 1 : c.k) * c.kd * c.n, 2);
    const a = tf.tensor3d(A, c.transposeA === true ? [c.k, c.kd, c.m] : [c.k, c.m, c.kd]);
    const b = tf.tensor3d(B, [c.sharedB === true ? 1 : c.k, c.kd, c.n]);
    const got = taskMatMul(a, b, c.transposeA === true);
    expect(got.shape).toEqual([c.k, c.m, c.n]);
    expect(bits(got.dataSync() as Float32Array).equals(bits(reference(c, A, B, {}).out))).toBe(true);
    tf.dispose([a, b, got]);
  });

  it('the epilogue (scale, addend, shared or per-task bias, relu, residual) equals its definition bit for bit', () => {
    const c: Case = { k: 3, m: 6, kd: 9, n: 13 };
    const size = c.k * c.m * c.n;
    const [A, B, addend, res] = [values(c.k * c.m * c.kd, 3), values(c.k * c.kd * c.n, 4), values(size, 5), values(size, 6)];
    const a = tf.tensor3d(A, [c.k, c.m, c.kd]);
    const b = tf.tensor3d(B, [c.k, c.kd, c.n]);
    const t3 = (x: Float32Array): tf.Tensor3D => tf.tensor3d(x, [c.k, c.m, c.n]);
    for (const bias of [values(c.n, 7), values(c.k * c.n, 8)]) {
      const variants: { scale?: number; addend?: Float32Array; bias?: Float32Array; relu?: boolean; res?: Float32Array }[] = [
        { scale: 0.37 },
        { addend, scale: 2 },
        { bias },
        { bias, relu: true, res },
        { scale: 0.5, addend, relu: true, res },
      ];
      for (const v of variants) {
        const options: TaskLayerOptions = {
          ...(v.scale === undefined ? {} : { scale: v.scale }),
          ...(v.addend === undefined ? {} : { addend: t3(v.addend) }),
          ...(v.bias === undefined ? {} : { bias: v.bias.length === c.n ? tf.tensor1d(v.bias) : tf.tensor3d(v.bias, [c.k, 1, c.n]) }),
          ...(v.relu === undefined ? {} : { relu: v.relu }),
          ...(v.res === undefined ? {} : { res: t3(v.res) }),
        };
        const want = reference(c, A, B, { ...v, ...(v.scale === undefined ? {} : { scale: f(v.scale) }) });
        const got = taskLayer(a, b, options);
        expect(bits(got.out.dataSync() as Float32Array).equals(bits(want.out))).toBe(true);
        if (v.relu === true) expect(bits(got.pre?.dataSync() as Float32Array).equals(bits(want.pre))).toBe(true);
        else expect(got.pre).toBeUndefined();
        tf.dispose([got.out, ...(got.pre === undefined ? [] : [got.pre]), options.addend, options.bias, options.res].filter((t) => t !== undefined));
      }
    }
    tf.dispose([a, b]);
  });

  it('a task’s product does not depend on its companions (alone = in a group of 16)', () => {
    const A = values(16 * 12 * 20, 9);
    const B = values(16 * 20 * 10, 10);
    const group = taskMatMul(tf.tensor3d(A, [16, 12, 20]), tf.tensor3d(B, [16, 20, 10])).dataSync() as Float32Array;
    for (const t of [0, 7, 15]) {
      const alone = taskMatMul(tf.tensor3d(A.subarray(t * 240, (t + 1) * 240), [1, 12, 20]), tf.tensor3d(B.subarray(t * 200, (t + 1) * 200), [1, 20, 10]));
      expect(bits(alone.dataSync() as Float32Array).equals(bits(group.subarray(t * 120, (t + 1) * 120)))).toBe(true);
    }
  });

  it('reluMask: dy where pre > 0, else 0, scaled (vector body and scalar tail)', () => {
    const dy = values(4 * 7 + 3, 11);
    const pre = values(dy.length, 12);
    const got = reluMask(tf.tensor1d(dy), tf.tensor1d(pre), 0.25).dataSync() as Float32Array;
    const want = Float32Array.from(dy, (v, i) => f(((pre[i] as number) > 0 ? v : 0) * 0.25));
    expect(bits(got).equals(bits(want))).toBe(true);
    expect(() => reluMask(tf.tensor1d(dy), tf.tensor1d(pre.subarray(1)))).toThrow(/pre must be float32 \[31\]/);
  });

  it('gatherRows copies rows by index, any row width and dtype; an index out of range throws', () => {
    const x = tf.tensor3d(values(5 * 2 * 3, 13), [5, 2, 3]);
    const idx = tf.tensor1d([4, 0, 4, 2], 'int32');
    expect(Array.from(gatherRows(x, idx).dataSync())).toEqual(Array.from(tf.gather(x, idx).dataSync()));
    const labels = tf.tensor1d([10, 11, 12], 'int32');
    expect(Array.from(gatherRows(labels, tf.tensor1d([2, 2, 0], 'int32')).dataSync())).toEqual([12, 12, 10]);
    expect(() => gatherRows(x, tf.tensor1d([1, 5], 'int32'))).toThrow(/outside \[0, 5\)/);
    expect(() => gatherRows(x, tf.tensor1d([-1], 'int32'))).toThrow(/outside \[0, 5\)/);
    expect(() => gatherRows(x, tf.tensor1d([1]))).toThrow(/indices must be int32/);
  });

  it('adamStep equals TF.js’s ops on the flattened parameters bit for bit; an idle task keeps everything', () => {
    const k = 3;
    const shapes = [[k, 5, 2], [k, 7], [k, 1, 3]]; // widths 10, 7, 3: vector bodies and scalar tails
    const P = 20;
    const params = shapes.map((shape, i) => tf.tensor(values(shape.reduce((a, b) => a * b, 1), 20 + i), shape));
    const grads = shapes.map((shape, i) => tf.tensor(values(shape.reduce((a, b) => a * b, 1), 30 + i), shape));
    const m = tf.tensor2d(values(k * P, 40), [k, P]);
    const v = tf.abs<tf.Tensor2D>(tf.tensor2d(values(k * P, 41), [k, P]));
    const perTask = { bias1: tf.tensor1d([0.1, 0.19, 0.271]), bias2: tf.tensor1d([0.001, 0.002, 0.003]), active: tf.tensor1d([1, 0, 1]) };
    const hyper = { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    const got = adamStep(params, grads, { m, v }, perTask, hyper);
    // The same step in TF.js's ops, as the engine's other formulations take it.
    const flat = (ts: tf.Tensor[]): tf.Tensor2D => tf.concat(ts.map((t) => t.reshape([k, -1])), 1) as tf.Tensor2D;
    const g = flat(grads);
    const on = perTask.active.reshape([k, 1]);
    const off = tf.sub(1, on);
    const m1 = tf.add(tf.mul(m, 0.9), tf.mul(g, 1 - 0.9));
    const v1 = tf.add(tf.mul(v, 0.999), tf.mul(tf.square(g), 1 - 0.999));
    const step = tf.mul(tf.div(tf.div(m1, perTask.bias1.reshape([k, 1])), tf.add(tf.sqrt(tf.div(v1, perTask.bias2.reshape([k, 1]))), 1e-7)), 0.01);
    const wantParams = tf.sub(flat(params), tf.mul(step, on));
    const wantM = tf.add(tf.mul(m1, on), tf.mul(m, off));
    const wantV = tf.add(tf.mul(v1, on), tf.mul(v, off));
    const same = (a: tf.Tensor, b: tf.Tensor): boolean => bits(a.dataSync() as Float32Array).equals(bits(b.dataSync() as Float32Array));
    expect(same(flat(got.params), wantParams)).toBe(true);
    expect(same(got.m, wantM) && same(got.v, wantV)).toBe(true);
    expect(got.params.map((t) => t.shape)).toEqual(shapes);
    // Task 1 was idle: its parameters and moments are untouched; the others moved.
    expect(same(flat(got.params).slice([1, 0], [1, P]), flat(params).slice([1, 0], [1, P]))).toBe(true);
    expect(same(got.m.slice([1, 0], [1, P]), m.slice([1, 0], [1, P]))).toBe(true);
    expect(same(flat(got.params).slice([0, 0], [1, P]), flat(params).slice([0, 0], [1, P]))).toBe(false);
    expect(() => adamStep(params.slice(1), grads.slice(1), { m, v }, perTask, hyper)).toThrow(/parameters hold 10 values per task, the moments 20/);
    expect(() => adamStep(params, [grads[0] as tf.Tensor, grads[2] as tf.Tensor, grads[1] as tf.Tensor], { m, v }, perTask, hyper)).toThrow(/a gradient must be float32/);
  });

  it('rejects shapes that do not multiply, with a message naming them', () => {
    const a = tf.zeros<tf.Rank.R3>([2, 3, 4]);
    expect(() => taskMatMul(a, tf.zeros<tf.Rank.R3>([2, 5, 6]))).toThrow(/\[2, 3, 4\] and \[2, 5, 6\] do not multiply/);
    expect(() => taskMatMul(a, tf.zeros<tf.Rank.R3>([3, 4, 6]))).toThrow(/do not multiply/);
    expect(() => taskLayer(a, tf.zeros<tf.Rank.R3>([2, 4, 6]), { bias: tf.zeros([5]) })).toThrow(/bias must hold 6 or 2·6/);
    expect(() => taskLayer(a, tf.zeros<tf.Rank.R3>([2, 4, 6]), { res: tf.zeros<tf.Rank.R3>([2, 3, 5]) })).toThrow(/res must be float32 \[2, 3, 6\]/);
    expect(() => taskMatMul(tf.zeros([3, 4]) as unknown as tf.Tensor3D, a)).toThrow(/a must be float32 \[tasks, rows, cols\]/);
  });
});
