import { deriveSeed } from '../domain/rng.js';
import { stagePrefixKey } from '../domain/impact.js';
import { tf, type Tensor2D } from './tf.js';
import { denseMatMul, plainMatMul } from './dense.js';
import type { ModelConfig } from './model-config.js';
import { blockOfStage } from './model-config.js';
import {
  adapterFromWeights,
  adapterToWeights,
  backboneFromWeights,
  backboneToWeights,
  disposeAll,
  frozenBlockInputs,
  headFromWeights,
  headToWeights,
  type Adapter,
  type Head,
} from './model.js';
import { pretrainBackbone, trainStage, type TrainProgress } from './training.js';
import { toWeightSet, type WeightSet } from './weights.js';
import { importance } from './unlearning/methods/ssd.js';
import { adapterKey, netOf } from './unlearning/net.js';
import { labelledSet } from './unlearning/data.js';

/** Weights of one trained stage: its block's adapter and its head snapshot. */
export interface StageWeights {
  readonly adapter: WeightSet;
  readonly head: WeightSet;
}

/**
 * Everything needed to train stages of one shard, as plain transferable data, so the same job runs in the
 * calling thread or in a training thread with identical results.
 */
export interface ShardJobInput {
  readonly config: ModelConfig;
  readonly backbone: WeightSet;
  readonly pretrainedHead: WeightSet;
  /** The shard's user samples (rows), with their slice and whether they are deleted. */
  readonly ids: readonly string[];
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly sliceOf: Int32Array;
  readonly deleted: Uint8Array;
  /** Prefixes to train (each a stage: its length is the stage number); parents come first. */
  readonly prefixes: readonly (readonly number[])[];
  /** Already-trained stages the requested ones build on, by prefix key ("0.3.1"). */
  readonly parents: Readonly<Record<string, StageWeights>>;
  readonly epochs: number;
  readonly seed: number;
  /** Use the custom-gradient dense op (the wasm fix). @default true */
  readonly fastDense?: boolean;
}

export interface TrainedStage extends StageWeights {
  readonly prefix: readonly number[];
  readonly stage: number;
  readonly block: number;
  /** Exactly the ids the stage trained on: the cumulative slices minus deleted samples. */
  readonly sampleIds: readonly string[];
  readonly samplePasses: number;
  readonly loss: number;
  readonly seconds: number;
  readonly seed: number;
}

export interface ShardJobProgress extends TrainProgress {
  readonly prefix: readonly number[];
}

/** Trains the requested stages of one shard as a prefix trie: each prefix once, children from their parent. */
export async function runShardJob(
  input: ShardJobInput,
  onProgress?: (p: ShardJobProgress) => void,
  signal?: AbortSignal,
): Promise<TrainedStage[]> {
  const { config } = input;
  const L = config.adapterBlocks;
  const firstAdapterBlock = config.blocks - L;
  const backbone = backboneFromWeights(config, input.backbone);
  const rows = input.ids.length;
  const width = rows === 0 ? 0 : input.x.length / rows;
  const x = tf.tensor2d(input.x, [rows, width]);
  const y = tf.tensor1d(input.y, config.task === 'classification' ? 'int32' : 'float32');
  // Frozen-prefix cache: the input of every adapter block with all adapters at zero.
  const blockInputs = frozenBlockInputs(config, backbone, x, firstAdapterBlock);
  x.dispose();
  const known = new Map<string, { adapter: Adapter; head: Head }>();
  for (const [key, w] of Object.entries(input.parents)) known.set(key, { adapter: adapterFromWeights(w.adapter), head: headFromWeights(w.head) });
  const pretrainedHead = headFromWeights(input.pretrainedHead);
  const matMul = input.fastDense === false ? plainMatMul : denseMatMul;
  const out: TrainedStage[] = [];
  try {
    for (const prefix of input.prefixes) {
      const stage = prefix.length;
      const block = blockOfStage(config, stage);
      const key = stagePrefixKey(prefix, stage);
      if (known.has(key)) continue; // shared prefix: already trained for another ordering
      const inPrefix = new Set(prefix);
      const trainRows: number[] = [];
      for (let r = 0; r < rows; r++) if (inPrefix.has(input.sliceOf[r] as number) && input.deleted[r] !== 1) trainRows.push(r);
      const frozenAdapters = new Map<number, Adapter>();
      for (let s = 1; s < stage; s++) {
        const parent = known.get(stagePrefixKey(prefix, s));
        if (parent === undefined) throw new Error(`stage ${stagePrefixKey(prefix, stage)} needs its parent ${stagePrefixKey(prefix, s)}`);
        frozenAdapters.set(blockOfStage(config, s), parent.adapter);
      }
      const parentHead = stage === 1 ? pretrainedHead : (known.get(stagePrefixKey(prefix, stage - 1)) as { head: Head }).head;
      const seed = deriveSeed(input.seed, 'stage', key);
      const started = performance.now();
      const idx = tf.tensor1d(trainRows, 'int32');
      const blockInput = tf.gather(blockInputs[block - firstAdapterBlock] as Tensor2D, idx);
      const labels = tf.gather(y, idx);
      idx.dispose();
      const result = await trainStage({
        config,
        backbone,
        blocks: [block],
        blockInput,
        labels,
        frozenAdapters,
        parentHead,
        epochs: input.epochs,
        seed,
        matMul,
        ...(signal === undefined ? {} : { signal }),
        ...(onProgress === undefined ? {} : { onEpoch: (p: TrainProgress) => onProgress({ ...p, prefix }) }),
      });
      tf.dispose([blockInput, labels]);
      const adapter = result.adapters.get(block) as Adapter;
      known.set(key, { adapter, head: result.head });
      out.push({
        prefix: [...prefix],
        stage,
        block,
        adapter: await adapterToWeights(adapter),
        head: await headToWeights(result.head),
        sampleIds: trainRows.map((r) => input.ids[r] as string),
        samplePasses: result.fit.samplePasses,
        loss: result.fit.finalLoss,
        seconds: (performance.now() - started) / 1000,
        seed,
      });
    }
  } finally {
    tf.dispose([y, ...blockInputs]);
    disposeAll(backbone, pretrainedHead);
    for (const v of known.values()) disposeAll(v.adapter, v.head);
  }
  return out;
}

export { triePrefixes } from '../domain/shard-machine.js';

export interface FullJobInput {
  readonly config: ModelConfig;
  readonly backbone: WeightSet;
  readonly pretrainedHead: WeightSet;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly epochs: number;
  readonly seed: number;
  readonly fastDense?: boolean;
  /**
   * Also compute SSD's importance I_D over the training rows (in the given order, batches of this size) with the
   * trained model: what lets an SSD job on this model skip the pass over D (Foster et al.'s precomputation).
   */
  readonly importanceBatchSize?: number;
}

export interface FullJobOutput {
  /** Adapter weights by backbone block. */
  readonly adapters: Readonly<Record<number, WeightSet>>;
  readonly head: WeightSet;
  readonly samplePasses: number;
  readonly loss: number;
  /** I_D by parameter name (`adapter.<block>.a`, ..., `head.w`), when asked for. */
  readonly importance?: WeightSet;
}

/** The full-training baseline: every adapter block and the head trained jointly on all the given data. */
export async function runFullJob(input: FullJobInput): Promise<FullJobOutput> {
  const { config } = input;
  const firstAdapterBlock = config.blocks - config.adapterBlocks;
  const backbone = backboneFromWeights(config, input.backbone);
  const head0 = headFromWeights(input.pretrainedHead);
  const rows = input.y.length;
  const x = tf.tensor2d(input.x, [rows, rows === 0 ? 0 : input.x.length / rows]);
  const y = tf.tensor1d(input.y, config.task === 'classification' ? 'int32' : 'float32');
  const [blockInput, ...rest] = frozenBlockInputs(config, backbone, x, firstAdapterBlock);
  tf.dispose([x, ...rest]);
  try {
    const result = await trainStage({
      config,
      backbone,
      blocks: Array.from({ length: config.adapterBlocks }, (_, i) => firstAdapterBlock + i),
      blockInput: blockInput as Tensor2D,
      labels: y,
      frozenAdapters: new Map(),
      parentHead: head0,
      epochs: input.epochs,
      seed: deriveSeed(input.seed, 'full'),
      matMul: input.fastDense === false ? plainMatMul : denseMatMul,
    });
    let importanceWeights: WeightSet | undefined;
    if (input.importanceBatchSize !== undefined) {
      const params: Record<string, tf.Tensor> = { 'head.w': result.head.w, 'head.b': result.head.b };
      for (const [block, a] of result.adapters) Object.assign(params, { [adapterKey(block, 'a')]: a.a, [adapterKey(block, 'b')]: a.b });
      const imp = await importance(netOf(config, backbone), params, labelledSet(blockInput as Tensor2D, y), input.importanceBatchSize, false);
      importanceWeights = await toWeightSet(imp);
      tf.dispose(Object.values(imp));
    }
    const adapters: Record<number, WeightSet> = {};
    for (const [block, a] of result.adapters) {
      adapters[block] = await adapterToWeights(a);
      disposeAll(a);
    }
    const head = await headToWeights(result.head);
    disposeAll(result.head);
    return { adapters, head, samplePasses: result.fit.samplePasses, loss: result.fit.finalLoss, ...(importanceWeights === undefined ? {} : { importance: importanceWeights }) };
  } finally {
    tf.dispose([y, blockInput]);
    disposeAll(backbone, head0);
  }
}

export interface PretrainJobInput {
  readonly config: ModelConfig;
  /** Public split only. */
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly epochs: number;
  readonly seed: number;
}

export interface PretrainJobOutput {
  readonly backbone: WeightSet;
  readonly head: WeightSet;
  readonly samplePasses: number;
  readonly loss: number;
}

/** Pretrains the frozen backbone and its head on the public split. */
export async function runPretrainJob(input: PretrainJobInput): Promise<PretrainJobOutput> {
  const rows = input.y.length;
  const x = tf.tensor2d(input.x, [rows, rows === 0 ? 0 : input.x.length / rows]);
  const y = tf.tensor1d(input.y, input.config.task === 'classification' ? 'int32' : 'float32');
  try {
    const r = await pretrainBackbone({ config: input.config, x, y, epochs: input.epochs, seed: deriveSeed(input.seed, 'pretrain') });
    const out = { backbone: await backboneToWeights(r.backbone), head: await headToWeights(r.head), samplePasses: r.fit.samplePasses, loss: r.fit.finalLoss };
    disposeAll(r.backbone, r.head);
    return out;
  } finally {
    tf.dispose([x, y]);
  }
}
