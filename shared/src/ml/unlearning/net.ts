import { tf, type Tensor, type Tensor1D, type Tensor2D, type Variable } from '../tf.js';
import type { ModelConfig } from '../model-config.js';
import { block, forwardFrom, headLogits, initAdapter, type Adapter, type Backbone } from '../model.js';
import { toTensor, toWeightSet, type WeightSet } from '../weights.js';

/**
 * What approximate unlearning changes: the LoRA factors of every adapter block and the head. The backbone below
 * them is frozen and was trained on the public split only, so it holds nothing of the user data a forget set is
 * drawn from; every method works on these parameters and leaves the backbone bit-identical.
 */
export type Params = Readonly<Record<string, Tensor>>;

/** A model's frozen part and the layout of its trainable parameters. */
export interface Net {
  readonly config: ModelConfig;
  readonly backbone: Backbone;
  /** The lowest adapter block: inputs are the frozen block inputs of this block. */
  readonly fromBlock: number;
  readonly blocks: readonly number[];
}

export function netOf(config: ModelConfig, backbone: Backbone): Net {
  const fromBlock = config.blocks - config.adapterBlocks;
  return { config, backbone, fromBlock, blocks: Array.from({ length: config.adapterBlocks }, (_, i) => fromBlock + i) };
}

export const adapterKey = (block: number, factor: 'a' | 'b'): string => `adapter.${block}.${factor}`;

function need(p: Params, name: string): Tensor {
  const t = p[name];
  if (t === undefined) throw new Error(`model parameters lack ${name}`);
  return t;
}

/** Logits of the model on frozen block inputs `h` (rows × hidden). */
export function logitsOf(net: Net, params: Params, h: Tensor2D): Tensor2D {
  const adapters = new Map<number, Adapter>(
    net.blocks.map((k) => [k, { a: need(params, adapterKey(k, 'a')) as Tensor2D, b: need(params, adapterKey(k, 'b')) as Tensor2D }]),
  );
  return forwardFrom(net.config, net.backbone, net.fromBlock, h, adapters, { w: need(params, 'head.w') as Tensor2D, b: need(params, 'head.b') as Tensor1D });
}

/**
 * The forward pass with its taps: every adapter block's output (the last one is the embedding the head reads,
 * what LAF and concept inference work on) and the logits.
 */
export function forwardTaps(net: Net, params: Params, h: Tensor2D): { logits: Tensor2D; activations: Tensor2D[]; embedding: Tensor2D } {
  const activations: Tensor2D[] = [];
  let out = h;
  for (let k = net.fromBlock; k < net.config.blocks; k++) {
    const adapter = net.blocks.includes(k) ? { a: need(params, adapterKey(k, 'a')) as Tensor2D, b: need(params, adapterKey(k, 'b')) as Tensor2D } : undefined;
    out = block(net.config, net.backbone, k, out, adapter);
    activations.push(out);
  }
  return { logits: headLogits({ w: need(params, 'head.w') as Tensor2D, b: need(params, 'head.b') as Tensor1D }, out), activations, embedding: out };
}

/** The embedding (input of the head) of frozen block inputs `h`. */
export function embeddingOf(net: Net, params: Params, h: Tensor2D): Tensor2D {
  return forwardTaps(net, params, h).embedding;
}

/** Adapters as the S3T full baseline initialises them (seeded, B = 0), with the pretrained head. */
export function initialParams(net: Net, pretrainedHead: { w: Tensor; b: Tensor }, seed: number): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  net.blocks.forEach((block, i) => {
    const a = initAdapter(net.config, seed + i);
    out[adapterKey(block, 'a')] = a.a;
    out[adapterKey(block, 'b')] = a.b;
  });
  out['head.w'] = tf.clone(pretrainedHead.w);
  out['head.b'] = tf.clone(pretrainedHead.b);
  return out;
}

export function paramsFromWeights(w: WeightSet): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, toTensor(v)]));
}

export function paramsToWeights(p: Params): Promise<WeightSet> {
  return toWeightSet(p);
}

export function cloneParams(p: Params): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(p).map(([k, t]) => [k, tf.clone(t)]));
}

/** Trainable variables initialised from `p` (copied); with masks, masked entries start at exactly 0. */
export function variablesOf(p: Params, tag: string, masks?: Readonly<Record<string, Tensor>>): Record<string, Variable> {
  const now = tf.util.now();
  return Object.fromEntries(
    Object.entries(p).map(([k, t]) => {
      const m = masks?.[k];
      const init = m === undefined ? t : tf.mul(t, m);
      const v = tf.variable(init, true, `${tag}.${k}.${now}.${Math.random()}`);
      if (init !== t) init.dispose(); // the variable holds its own reference to the data
      return [k, v];
    }),
  );
}

export function disposeParams(p: Params): void {
  tf.dispose(Object.values(p));
}

/**
 * Σ|θ| over every trainable parameter (the ℓ1 norm Unlearn-Sparse regularises). Not wrapped in tidy, so it can sit
 * inside a loss whose gradient is taken: call it under the caller's tidy.
 */
export function l1Norm(p: Params): tf.Scalar {
  return Object.values(p).map((t) => tf.sum(tf.abs(t))).reduce((a, b) => tf.add(a, b), tf.scalar(0)) as tf.Scalar;
}

export function parameterCount(p: Params): number {
  return Object.values(p).reduce((n, t) => n + t.size, 0);
}
