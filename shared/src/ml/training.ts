import { ErrorCode, LetheError } from '../errors/errors.js';
import { createRng, shuffleInPlace } from '../domain/rng.js';
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Variable } from './tf.js';
import type { MatMul } from './dense.js';
import { restrictedGradients, twiceDifferentiableLoss, type GradientRestriction } from './gradient-restriction.js';
import type { ModelConfig } from './model-config.js';
import {
  forward,
  forwardFrom,
  initAdapter,
  initBackbone,
  lossOf,
  type Adapter,
  type AdapterMap,
  type Backbone,
  type Head,
} from './model.js';

export interface TrainProgress {
  readonly epoch: number;
  readonly fraction: number;
  readonly loss: number;
}

export interface FitOptions {
  readonly variables: readonly Variable[];
  /** Rows of the training data. */
  readonly rows: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Seeds the per-epoch shuffle: same seed, same batches, same weights (on one backend). */
  readonly seed: number;
  /** Loss of the rows in `batch` (int32 indices). */
  readonly loss: (batch: Tensor1D) => tf.Scalar;
  readonly signal?: AbortSignal;
  readonly onEpoch?: (p: TrainProgress) => void;
  /** Train on IAU's gradient-restricted loss instead (the loss reported is then L + α·Σ‖∇_k L‖). */
  readonly gradientRestriction?: GradientRestriction;
}

export interface FitResult {
  /** Samples seen, counting each epoch: the training cost unit. */
  readonly samplePasses: number;
  readonly finalLoss: number;
  readonly steps: number;
}

/**
 * Adam over seeded, shuffled mini-batches; memory-flat (every step inside tidy). The loss is summed on the device
 * and read once per epoch, so GPU backends are not forced to synchronise on every step.
 */
export async function fit(o: FitOptions): Promise<FitResult> {
  if (o.rows === 0) return { samplePasses: 0, finalLoss: Number.NaN, steps: 0 };
  const optimizer = tf.train.adam(o.learningRate);
  const rng = createRng(o.seed);
  const order = Array.from({ length: o.rows }, (_, i) => i);
  let finalLoss = Number.NaN;
  let steps = 0;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      shuffleInPlace(order, rng);
      let lossSum = tf.scalar(0);
      let batches = 0;
      for (let start = 0; start < o.rows; start += o.batchSize) {
        if (o.signal?.aborted === true) throw new LetheError(ErrorCode.CANCELLED, 'training cancelled', { cause: o.signal.reason });
        const idx = tf.tensor1d(order.slice(start, start + o.batchSize), 'int32');
        const gr = o.gradientRestriction;
        const cost =
          gr === undefined || gr.alpha === 0
            ? tf.tidy(() => optimizer.minimize(() => o.loss(idx), true, [...o.variables]) ?? tf.scalar(Number.NaN))
            : tf.tidy(() => {
                const r = restrictedGradients(() => o.loss(idx), o.variables, gr);
                optimizer.applyGradients(o.variables.map((v, i) => ({ name: v.name, tensor: r.grads[i] as Tensor })));
                return r.value;
              });
        idx.dispose();
        const next = tf.add<tf.Scalar>(lossSum, cost);
        tf.dispose([lossSum, cost]);
        lossSum = next;
        batches++;
        steps++;
      }
      finalLoss = ((await lossSum.data())[0] ?? Number.NaN) / batches;
      lossSum.dispose();
      o.onEpoch?.({ epoch, fraction: (epoch + 1) / o.epochs, loss: finalLoss });
      // Let queued messages in (in a training thread, a cancel arrives as one): once per epoch.
      if (o.signal !== undefined) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    optimizer.dispose();
  }
  return { samplePasses: o.rows * o.epochs, finalLoss, steps };
}

function variablesOf(prefix: string, tensors: Readonly<Record<string, Tensor | undefined>>): Record<string, Variable> {
  const out: Record<string, Variable> = {};
  for (const [k, t] of Object.entries(tensors)) if (t !== undefined) out[k] = tf.variable(t, true, `${prefix}.${k}.${tf.util.now()}`);
  return out;
}

export interface PretrainOptions {
  readonly config: ModelConfig;
  /** Public split only: it is never deletable. */
  readonly x: Tensor;
  readonly y: Tensor;
  readonly epochs: number;
  readonly seed: number;
  readonly signal?: AbortSignal;
  readonly onEpoch?: (p: TrainProgress) => void;
}

/** Trains backbone and head on the public split; the backbone is frozen from then on. */
export async function pretrainBackbone(o: PretrainOptions): Promise<{ backbone: Backbone; head: Head; fit: FitResult }> {
  const init = initBackbone(o.config, o.seed);
  const flat: Record<string, Tensor | undefined> = {
    convFilter: init.backbone.convFilter,
    convBias: init.backbone.convBias,
    inW: init.backbone.inW,
    inB: init.backbone.inB,
    headW: init.head.w,
    headB: init.head.b,
  };
  init.backbone.blockW.forEach((w, k) => (flat[`blockW.${k}`] = w));
  init.backbone.blockB.forEach((b, k) => (flat[`blockB.${k}`] = b));
  const v = variablesOf('pretrain', flat);
  tf.dispose(Object.values(flat).filter((t): t is Tensor => t !== undefined));
  const bb: Backbone = {
    ...(v['convFilter'] !== undefined ? { convFilter: v['convFilter'] as unknown as tf.Tensor4D, convBias: v['convBias'] as unknown as Tensor1D } : {}),
    inW: v['inW'] as unknown as Tensor2D,
    inB: v['inB'] as unknown as Tensor1D,
    blockW: Array.from({ length: o.config.blocks }, (_, k) => v[`blockW.${k}`] as unknown as Tensor2D),
    blockB: Array.from({ length: o.config.blocks }, (_, k) => v[`blockB.${k}`] as unknown as Tensor1D),
  };
  const head: Head = { w: v['headW'] as unknown as Tensor2D, b: v['headB'] as unknown as Tensor1D };
  const result = await fit({
    variables: Object.values(v),
    rows: o.x.shape[0] ?? 0,
    epochs: o.epochs,
    batchSize: o.config.batchSize,
    learningRate: o.config.learningRate,
    seed: o.seed,
    loss: (idx) => lossOf(o.config, forward(o.config, bb, tf.gather(o.x, idx), new Map(), head), tf.gather(o.y, idx)),
    ...(o.signal === undefined ? {} : { signal: o.signal }),
    ...(o.onEpoch === undefined ? {} : { onEpoch: o.onEpoch }),
  });
  // Freeze: copy out of the variables into plain tensors.
  const frozen = <T extends Tensor>(t: T): T => tf.clone(t);
  const out = {
    backbone: {
      ...(bb.convFilter !== undefined && bb.convBias !== undefined ? { convFilter: frozen(bb.convFilter), convBias: frozen(bb.convBias) } : {}),
      inW: frozen(bb.inW),
      inB: frozen(bb.inB),
      blockW: bb.blockW.map(frozen),
      blockB: bb.blockB.map(frozen),
    },
    head: { w: frozen(head.w), b: frozen(head.b) },
    fit: result,
  };
  tf.dispose(Object.values(v));
  return out;
}

export interface StageTrainingInput {
  readonly config: ModelConfig;
  readonly backbone: Backbone;
  /**
   * The backbone blocks whose adapters train: one block (K - stage) for an S3T stage, or every adapter block
   * for the full-training baseline. Training starts at the lowest of them.
   */
  readonly blocks: readonly number[];
  /** Input of the lowest trained block for each training row: the frozen prefix, computed once. */
  readonly blockInput: Tensor2D;
  readonly labels: Tensor;
  /** Adapters of the earlier stages of this ordering (blocks above), frozen. */
  readonly frozenAdapters: AdapterMap;
  /** Head of the previous stage (or the pretrained head for stage 1); copied, then trained. */
  readonly parentHead: Head;
  readonly epochs: number;
  readonly seed: number;
  readonly matMul?: MatMul;
  readonly signal?: AbortSignal;
  readonly onEpoch?: (p: TrainProgress) => void;
  readonly gradientRestriction?: GradientRestriction;
}

export interface StageTrainingResult {
  /** Trained adapters by block. */
  readonly adapters: ReadonlyMap<number, Adapter>;
  readonly head: Head;
  readonly fit: FitResult;
}

/**
 * One S3T stage: trains the LoRA adapter(s) of `blocks` and the head on the stage's cumulative slices, with every
 * other parameter frozen. Returns fresh tensors; the caller owns them.
 */
export async function trainStage(o: StageTrainingInput): Promise<StageTrainingResult> {
  const fromBlock = Math.min(...o.blocks);
  const adapters = new Map(o.frozenAdapters);
  const trainable: Variable[] = [];
  const adapterVars = new Map<number, { a: Variable; b: Variable }>();
  o.blocks.forEach((block, i) => {
    const fresh = initAdapter(o.config, o.seed + i);
    const a = tf.variable(fresh.a, true, `stage.a.${block}.${tf.util.now()}`);
    const b = tf.variable(fresh.b, true, `stage.b.${block}.${tf.util.now()}`);
    tf.dispose([fresh.a, fresh.b]);
    adapterVars.set(block, { a, b });
    adapters.set(block, { a: a, b: b });
    trainable.push(a, b);
  });
  const hw = tf.variable(o.parentHead.w, true, `stage.hw.${tf.util.now()}`);
  const hb = tf.variable(o.parentHead.b, true, `stage.hb.${tf.util.now()}`);
  trainable.push(hw, hb);
  const head: Head = { w: hw, b: hb };
  const opts = o.matMul === undefined ? {} : { matMul: o.matMul };
  try {
    const result = await fit({
      variables: trainable,
      rows: o.blockInput.shape[0],
      epochs: o.epochs,
      batchSize: o.config.batchSize,
      learningRate: o.config.learningRate,
      seed: o.seed,
      loss: (idx) =>
        (o.gradientRestriction === undefined ? lossOf : twiceDifferentiableLoss)(o.config, forwardFrom(o.config, o.backbone, fromBlock, tf.gather(o.blockInput, idx), adapters, head, opts), tf.gather(o.labels, idx)),
      ...(o.signal === undefined ? {} : { signal: o.signal }),
      ...(o.onEpoch === undefined ? {} : { onEpoch: o.onEpoch }),
      ...(o.gradientRestriction === undefined ? {} : { gradientRestriction: o.gradientRestriction }),
    });
    const trained = new Map<number, Adapter>();
    for (const [block, v] of adapterVars) trained.set(block, { a: tf.clone(v.a) as Tensor2D, b: tf.clone(v.b) as Tensor2D });
    return { adapters: trained, head: { w: tf.clone(hw), b: tf.clone(hb) }, fit: result };
  } finally {
    tf.dispose(trainable);
  }
}
