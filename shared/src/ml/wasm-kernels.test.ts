import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

/** Runs f on a backend and returns every output's values and shape. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<{ shape: number[]; values: number[] }[]> {
  await tf.setBackend(backend);
  await tf.ready();
  return tf.tidy(f).map((t) => {
    const out = { shape: [...t.shape], values: Array.from(t.dataSync()) };
    t.dispose();
    return out;
  });
}

/** A shape of rank 1..4 and a slice inside it. */
const sliced = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 })
  .chain((shape) =>
    fc.tuple(fc.constant(shape), ...shape.map((n) => fc.integer({ min: 0, max: n - 1 }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: n - b }))))),
  );

describe('wasm copy kernels (Slice, Unpack, Identity) give the bytes the cpu backend gives', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerWasmTrainingKernels();
  });

  it('Slice: every rank, begin and size (empty slices included), float32, int32 and bool', async () => {
    await fc.assert(
      fc.asyncProperty(sliced, fc.constantFrom('float32', 'int32', 'bool'), async ([shape, ...bounds], dtype) => {
        const begin = bounds.map(([b]) => b);
        const size = bounds.map(([, s]) => s);
        const n = shape.reduce((a, b) => a * b, 1);
        const make = (): tf.Tensor[] => {
          const values = dtype === 'bool' ? Array.from({ length: n }, (_, i) => i % 3 === 0) : Array.from({ length: n }, (_, i) => i * 1.5 - 7);
          const x = tf.tensor(values, shape, dtype);
          return [tf.slice(x, begin, size)];
        };
        expect(await on('wasm', make)).toEqual(await on('cpu', make));
      }),
      { numRuns: 150 },
    );
  });

  it('Unpack (unstack) along every axis', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 4 }), fc.nat(), async (shape, a) => {
        const axis = a % shape.length;
        const n = shape.reduce((p, q) => p * q, 1);
        const make = (): tf.Tensor[] => tf.unstack(tf.tensor(Array.from({ length: n }, (_, i) => Math.sin(i)), shape), axis);
        expect(await on('wasm', make)).toEqual(await on('cpu', make));
      }),
      { numRuns: 60 },
    );
  });

  it('Identity shares its input’s memory (no copy) and outlives it; a variable’s assign leaves a clone alone', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } | undefined } };
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    expect(backend.dataIdMap.get(y.dataId)?.memoryOffset).toBe(backend.dataIdMap.get(x.dataId)?.memoryOffset);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3]);
    const v = tf.variable(tf.tensor1d([4, 5]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor1d([6, 7]));
    expect(Array.from(await snapshot.data())).toEqual([4, 5]);
    expect(Array.from(await v.data())).toEqual([6, 7]);
    tf.dispose([y, v, snapshot]);
  });
});
