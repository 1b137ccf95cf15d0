import { tf, type Tensor, type Tensor1D, type Tensor2D, type Tensor4D } from './tf.js';
import { denseMatMul, type MatMul } from './dense.js';
import type { ModelConfig } from './model-config.js';
import { toTensor, toWeightSet, type WeightSet } from './weights.js';
import { registerTaskMatMul } from './kernels/task-matmul.js';
import { denseForward } from './kernels/stage-layers.js';

/** Frozen backbone: optional conv stem, input projection, K residual blocks. */
export interface Backbone {
  readonly convFilter?: Tensor4D;
  readonly convBias?: Tensor1D;
  readonly inW: Tensor2D;
  readonly inB: Tensor1D;
  readonly blockW: readonly Tensor2D[];
  readonly blockB: readonly Tensor1D[];
}

/** LoRA adapter of one block: ΔW = scale · A·B, with B zero-initialised so a fresh adapter is the identity. */
export interface Adapter {
  readonly a: Tensor2D;
  readonly b: Tensor2D;
}

export interface Head {
  readonly w: Tensor2D;
  readonly b: Tensor1D;
}

/** Adapters by backbone block index; a block without one runs its frozen weights only. */
export type AdapterMap = ReadonlyMap<number, Adapter>;

export interface ForwardOptions {
  /** The product used by dense layers; the custom-gradient one by default. */
  readonly matMul?: MatMul;
}

function flattenedStemWidth(config: ModelConfig): number {
  if (!config.convStem) return config.inputShape.reduce((a, b) => a * b, 1);
  const [h, w] = config.inputShape as [number, number, number];
  return Math.ceil(h / 2) * Math.ceil(w / 2) * config.convFilters;
}

/** Seeded initialisation (He-style scaling) of a backbone and a head. */
export function initBackbone(config: ModelConfig, seed: number): { backbone: Backbone; head: Head } {
  const normal = (shape: number[], fanIn: number, s: number, gain = 1): Tensor =>
    tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed * 1000 + s), gain));
  const H = config.hidden;
  const stemIn = flattenedStemWidth(config);
  const channels = config.inputShape[2] ?? 1;
  const backbone: Backbone = {
    ...(config.convStem
      ? {
          convFilter: normal([3, 3, channels, config.convFilters], 9 * channels, 1) as Tensor4D,
          convBias: tf.zeros<tf.Rank.R1>([config.convFilters]),
        }
      : {}),
    inW: normal([stemIn, H], stemIn, 2) as Tensor2D,
    inB: tf.zeros<tf.Rank.R1>([H]),
    // Residual branches start small so a deep stack stays well-conditioned.
    blockW: Array.from({ length: config.blocks }, (_, k) => normal([H, H], H, 10 + k, 0.5) as Tensor2D),
    blockB: Array.from({ length: config.blocks }, () => tf.zeros<tf.Rank.R1>([H])),
  };
  const head: Head = { w: normal([H, config.outputs], H, 5, 0.5) as Tensor2D, b: tf.zeros<tf.Rank.R1>([config.outputs]) };
  return { backbone, head };
}

/** A fresh adapter for a block: A seeded small normal, B zero (exactly the identity until trained). */
export function initAdapter(config: ModelConfig, seed: number): Adapter {
  return {
    a: tf.randomNormal([config.hidden, config.loraRank], 0, 1 / Math.sqrt(config.hidden), 'float32', seed),
    b: tf.zeros([config.loraRank, config.hidden]),
  };
}

/** Input projection (and conv stem): the input of block 0. */
export function stem(config: ModelConfig, bb: Backbone, x: Tensor, opts: ForwardOptions = {}): Tensor2D {
  const mm = opts.matMul ?? denseMatMul;
  let flat: Tensor2D;
  if (config.convStem && bb.convFilter !== undefined && bb.convBias !== undefined) {
    const images = x.reshape<Tensor4D>([-1, ...config.inputShape]);
    const conv = tf.relu(tf.add(tf.conv2d(images, bb.convFilter, 2, 'same'), bb.convBias));
    flat = conv.reshape([conv.shape[0], -1]);
  } else {
    flat = x.reshape([-1, flattenedStemWidth(config)]);
  }
  return tf.relu(tf.add(mm(flat, bb.inW), bb.inB)) as Tensor2D;
}

/** Residual block k: h + relu(h·W_k + b_k + scale·(h·A)·B). */
export function block(config: ModelConfig, bb: Backbone, k: number, h: Tensor2D, adapter: Adapter | undefined, opts: ForwardOptions = {}): Tensor2D {
  const mm = opts.matMul ?? denseMatMul;
  let z = tf.add<Tensor2D>(mm(h, bb.blockW[k] as Tensor2D), bb.blockB[k] as Tensor1D);
  if (adapter !== undefined) z = tf.add(z, tf.mul(mm(mm(h, adapter.a), adapter.b), config.loraScale));
  return tf.add(h, tf.relu(z));
}

export function headLogits(head: Head, h: Tensor2D, opts: ForwardOptions = {}): Tensor2D {
  const mm = opts.matMul ?? denseMatMul;
  return tf.add<Tensor2D>(mm(h, head.w), head.b);
}

/** Runs blocks fromBlock..K-1 on h (the input of fromBlock), then the head. */
export function forwardFrom(
  config: ModelConfig,
  bb: Backbone,
  fromBlock: number,
  h: Tensor2D,
  adapters: AdapterMap,
  head: Head,
  opts: ForwardOptions = {},
): Tensor2D {
  let out = h;
  for (let k = fromBlock; k < config.blocks; k++) out = block(config, bb, k, out, adapters.get(k), opts);
  return headLogits(head, out, opts);
}

/** The whole model on raw inputs. */
export function forward(config: ModelConfig, bb: Backbone, x: Tensor, adapters: AdapterMap, head: Head, opts: ForwardOptions = {}): Tensor2D {
  return forwardFrom(config, bb, 0, stem(config, bb, x, opts), adapters, head, opts);
}

/**
 * Inputs of blocks fromBlock..K-1 with every adapter at zero: the frozen prefix of every stage. Stage i's block
 * sees only frozen weights below it, so its input is a fixed function of the sample, computed once.
 */
export function frozenBlockInputs(config: ModelConfig, bb: Backbone, x: Tensor, fromBlock: number): Tensor2D[] {
  const pass = frozenBlockPass(config, bb, x, fromBlock);
  if (pass.products !== undefined) tf.dispose(pass.products);
  return pass.inputs;
}

/** The frozen prefix of blocks fromBlock..K-1: each block's input and, where the backend gives it, its product. */
export interface FrozenBlockPass {
  readonly inputs: Tensor2D[];
  /** h·W_k + b_k of each block's input (a stage at block k starts from it), on wasm only: the same pass makes it. */
  readonly products?: Tensor2D[];
}

export function frozenBlockPass(config: ModelConfig, bb: Backbone, x: Tensor, fromBlock: number): FrozenBlockPass {
  // On wasm, Lethe's kernel runs each dense layer (product, bias, relu, residual) in one call (a conv stem stays TF.js's).
  if (tf.getBackend() !== 'wasm') {
    return tf.tidy(() => {
      const inputs: Tensor2D[] = [];
      let h = stem(config, bb, x);
      for (let k = 0; k < config.blocks; k++) {
        if (k >= fromBlock) inputs.push(tf.keep(h));
        h = block(config, bb, k, h, undefined);
      }
      return { inputs };
    });
  }
  registerTaskMatMul();
  return tf.tidy(() => {
    const inputs: Tensor2D[] = [];
    const products: Tensor2D[] = [];
    const conv = config.convStem && bb.convFilter !== undefined;
    let h = conv ? stem(config, bb, x) : denseForward(x.reshape([-1, flattenedStemWidth(config)]), bb.inW, bb.inB, false).out;
    for (let k = 0; k < config.blocks; k++) {
      const next = denseForward(h, bb.blockW[k] as Tensor2D, bb.blockB[k] as Tensor1D, true);
      if (k >= fromBlock) {
        inputs.push(tf.keep(h));
        products.push(tf.keep(next.pre));
      }
      h = next.out;
    }
    return { inputs, products };
  });
}

export function lossOf(config: ModelConfig, logits: Tensor2D, labels: Tensor): tf.Scalar {
  if (config.task === 'classification') {
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels as Tensor1D, config.outputs), logits);
  }
  const target = labels.reshape([-1, 1]);
  return config.regressionLoss === 'l1' ? tf.losses.absoluteDifference(target, logits) : tf.losses.meanSquaredError(target, logits);
}

// ---- conversions to and from plain weights ----

export function backboneToWeights(bb: Backbone): Promise<WeightSet> {
  const t: Record<string, Tensor> = { inW: bb.inW, inB: bb.inB };
  if (bb.convFilter !== undefined && bb.convBias !== undefined) Object.assign(t, { convFilter: bb.convFilter, convBias: bb.convBias });
  bb.blockW.forEach((w, k) => (t[`blockW.${k}`] = w));
  bb.blockB.forEach((b, k) => (t[`blockB.${k}`] = b));
  return toWeightSet(t);
}

function need(w: WeightSet, name: string): Tensor {
  const a = w[name];
  if (a === undefined) throw new Error(`weights lack ${name}`);
  return toTensor(a);
}

export function backboneFromWeights(config: ModelConfig, w: WeightSet): Backbone {
  return {
    ...(config.convStem ? { convFilter: need(w, 'convFilter') as Tensor4D, convBias: need(w, 'convBias') as Tensor1D } : {}),
    inW: need(w, 'inW') as Tensor2D,
    inB: need(w, 'inB') as Tensor1D,
    blockW: Array.from({ length: config.blocks }, (_, k) => need(w, `blockW.${k}`) as Tensor2D),
    blockB: Array.from({ length: config.blocks }, (_, k) => need(w, `blockB.${k}`) as Tensor1D),
  };
}

export const headToWeights = (h: Head): Promise<WeightSet> => toWeightSet({ w: h.w, b: h.b });
export const headFromWeights = (w: WeightSet): Head => ({ w: need(w, 'w') as Tensor2D, b: need(w, 'b') as Tensor1D });
export const adapterToWeights = (a: Adapter): Promise<WeightSet> => toWeightSet({ a: a.a, b: a.b });
export const adapterFromWeights = (w: WeightSet): Adapter => ({ a: need(w, 'a') as Tensor2D, b: need(w, 'b') as Tensor2D });

export function disposeAll(...items: (Backbone | Adapter | Head | undefined)[]): void {
  for (const item of items) if (item !== undefined) tf.dispose(Object.values(item).flat() as Tensor[]);
}
