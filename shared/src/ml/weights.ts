import { tf, type Tensor } from './tf.js';

/** Plain, transferable weights: what crosses thread boundaries and goes into artifacts. */
export interface WeightArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}
export type WeightSet = Readonly<Record<string, WeightArray>>;

export function toTensor(w: WeightArray): Tensor {
  return tf.tensor(w.data, [...w.shape], 'float32');
}

/**
 * Reads tensors back into plain arrays (copies: the result outlives the tensors). Asynchronous, because GPU
 * backends (WebGPU) cannot read synchronously in Node.
 */
export async function toWeightSet(tensors: Readonly<Record<string, Tensor>>): Promise<WeightSet> {
  const out: Record<string, WeightArray> = {};
  for (const [name, t] of Object.entries(tensors)) out[name] = { shape: [...t.shape], data: Float32Array.from((await t.data()) as Float32Array) };
  return out;
}

export function weightBytes(w: WeightSet): number {
  return Object.values(w).reduce((n, a) => n + a.data.byteLength, 0);
}
