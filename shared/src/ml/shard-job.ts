import { deriveSeed } from '../domain/rng.js';
import { stagePrefixKey } from '../domain/impact.js';
import { ErrorCode, LetheError } from '../errors/errors.js';
import { tf, type Tensor2D } from './tf.js';
import { trainStagesBatched, type BatchedStageInput, type BatchedStageTask } from './batched-stages.js';
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
  frozenBlockPass,
  headFromWeights,
  headToWeights,
  type Adapter,
  type Backbone,
  type Head,
} from './model.js';
import { pretrainBackbone, trainStage, type TrainProgress } from './training.js';
import { toWeightSet, type WeightSet } from './weights.js';
import { importance } from './unlearning/methods/ssd.js';
import { adapterKey, netOf } from './unlearning/net.js';
import { labelledSet } from './unlearning/data.js';
import type { FrozenRows, KnownFrozenRows } from './frozen-prefix-cache.js';

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
  /** Features of the rows, row-major; with `frozen`, of the rows it does not know only (in row order). */
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
  /**
   * Frozen-prefix values the caller already has (a worker's cache, see frozen-prefix-cache.ts): for every adapter
   * block the job trains, all rows' block inputs (and products), known rows filled in. Only the other rows go
   * through the frozen pass.
   */
  readonly frozen?: KnownFrozenRows;
  /** Return the frozen prefix the pass computed (every adapter block, the rows of `x`), for the caller's cache. */
  readonly returnFrozen?: boolean;
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
  const [outcome] = await runShardJobs([input], {
    ...(onProgress === undefined ? {} : { onProgress: (_: number, p: ShardJobProgress) => onProgress(p) }),
    ...(signal === undefined ? {} : { signal }),
  });
  if (outcome === undefined || !outcome.ok) throw new LetheError(ErrorCode.CANCELLED, 'training cancelled');
  return outcome.stages;
}

/** Most stages trained in one batched computation (bounds the memory of one group). */
export const MAX_BATCHED_STAGES = 64;

export interface ShardJobsOptions {
  readonly onProgress?: (job: number, p: ShardJobProgress) => void;
  /** Stops the whole group (CANCELLED). */
  readonly signal?: AbortSignal;
  /** One per job: aborting drops that job only; the others go on and their results are unchanged. */
  readonly jobSignals?: readonly (AbortSignal | undefined)[];
  /** @default MAX_BATCHED_STAGES */
  readonly maxBatch?: number;
  /** How the batched computation runs (defaults by backend; see trainStagesBatched). */
  readonly engine?: Pick<BatchedStageInput, 'taskProducts' | 'rowSource' | 'autodiffProducts'>;
}

export type ShardJobOutcome =
  | { readonly ok: true; readonly stages: TrainedStage[]; /** With `returnFrozen`: what the pass computed. */ readonly frozen?: FrozenRows }
  | { readonly ok: false; readonly cancelled: true };

function sameBytes(a: WeightSet, b: WeightSet): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((name) => {
    const x = a[name];
    const y = b[name];
    if (x === undefined || y === undefined || x.data.length !== y.data.length) return false;
    return x.data === y.data || Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength).equals(Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  });
}

/** Jobs can share one batched computation when they train the same model family on the same frozen backbone. */
function assertBatchable(inputs: readonly ShardJobInput[]): void {
  const first = inputs[0];
  if (first === undefined) return;
  const config = JSON.stringify(first.config);
  for (const job of inputs.slice(1)) {
    if (JSON.stringify(job.config) !== config) throw new LetheError(ErrorCode.INVALID_ARGUMENT, 'batched stage jobs must share one model config');
    if (job.epochs !== first.epochs) throw new LetheError(ErrorCode.INVALID_ARGUMENT, 'batched stage jobs must share one epoch count');
    if ((job.fastDense ?? true) !== (first.fastDense ?? true)) throw new LetheError(ErrorCode.INVALID_ARGUMENT, 'batched stage jobs must share one dense op');
    if (job.backbone !== first.backbone && !sameBytes(job.backbone, first.backbone)) {
      throw new LetheError(ErrorCode.INVALID_ARGUMENT, 'batched stage jobs must share one frozen backbone');
    }
  }
}

interface JobState {
  readonly input: ShardJobInput;
  /** Input of each adapter block for every row of the job (rows × hidden), read once to the host; empty for blocks the job does not train. */
  readonly blockInputs: Float32Array[];
  /** The frozen product h·W + b of each adapter block's input, where the frozen pass gave it (wasm); else empty. */
  readonly blockProducts: Float32Array[];
  readonly known: Map<string, { adapter: Adapter; head: Head }>;
  readonly pretrainedHead: Head;
  readonly out: TrainedStage[];
  /** The rows the pass computed, when the caller asked for them. */
  readonly computed?: FrozenRows;
  cancelled: boolean;
}

/** One job's frozen prefix for its adapter blocks (position 0 = the first adapter block); empty for blocks not asked for. */
interface JobPrefix {
  readonly blockInputs: Float32Array[];
  readonly blockProducts: Float32Array[];
  readonly computed?: FrozenRows;
}

function invalid(message: string): never {
  throw new LetheError(ErrorCode.INVALID_ARGUMENT, message);
}

/** A job's `frozen` must cover its rows and every block it trains; products, where given, likewise. */
function checkFrozen(frozen: KnownFrozenRows, rows: number, L: number, H: number, needed: ReadonlySet<number>): void {
  if (frozen.known.length !== rows) invalid(`frozen rows: known marks ${frozen.known.length} rows, the job has ${rows}`);
  for (const [what, arrays] of [['inputs', frozen.inputs], ['products', frozen.products]] as const) {
    if (arrays === undefined) continue;
    if (arrays.length !== L) invalid(`frozen rows: ${what} must hold ${L} adapter blocks, got ${arrays.length}`);
    for (const b of needed) if (arrays[b]?.length !== rows * H) invalid(`frozen rows: ${what} of adapter block ${b} must hold ${rows}×${H} values`);
  }
}

/** Row r of `rows` (rows × H) goes to row `to[r]` of `into`. */
function scatterRows(into: Float32Array, rows: Float32Array, to: readonly number[], H: number): Float32Array {
  to.forEach((r, i) => into.set(rows.subarray(i * H, (i + 1) * H), r * H));
  return into;
}

/**
 * The frozen prefix of a job's rows for the adapter blocks `needed`: the rows `input.frozen` knows as given, the
 * others through the frozen pass over `input.x` (all adapters at zero: a function of the backbone and the row).
 */
async function frozenPrefix(input: ShardJobInput, backbone: Backbone, needed: ReadonlySet<number>): Promise<JobPrefix> {
  const { config } = input;
  const L = config.adapterBlocks;
  const H = config.hidden;
  const rows = input.ids.length;
  const width = config.inputShape.reduce((a, b) => a * b, 1);
  // A cache that knows none of the rows is no cache (its arrays may be empty).
  const frozen = input.frozen?.known.includes(1) === true ? input.frozen : undefined;
  if (input.frozen !== undefined && input.frozen.known.length !== rows) invalid(`frozen rows: known marks ${input.frozen.known.length} rows, the job has ${rows}`);
  if (frozen !== undefined) checkFrozen(frozen, rows, L, H, needed);
  const unknown: number[] = [];
  for (let r = 0; r < rows; r++) if (frozen?.known[r] !== 1) unknown.push(r);
  if (input.x.length !== unknown.length * width) invalid(`x holds ${input.x.length} values; the ${unknown.length} rows to compute need ${unknown.length}×${width}`);
  const read = input.returnFrozen === true ? new Set(Array.from({ length: L }, (_, b) => b)) : needed;
  let passInputs: Float32Array[] = Array.from({ length: L }, () => new Float32Array(0));
  let passProducts: Float32Array[] | undefined;
  if (unknown.length > 0) {
    const x = tf.tensor2d(input.x, [unknown.length, width]);
    const pass = frozenBlockPass(config, backbone, x, config.blocks - L);
    x.dispose();
    try {
      const readBack = (ts: readonly Tensor2D[]): Promise<Float32Array[]> =>
        Promise.all(ts.map(async (t, b) => (read.has(b) ? ((await t.data()) as Float32Array) : new Float32Array(0))));
      passInputs = await readBack(pass.inputs);
      passProducts = pass.products === undefined ? undefined : await readBack(pass.products);
    } finally {
      tf.dispose([...pass.inputs, ...(pass.products ?? [])]);
    }
  }
  const computed: FrozenRows | undefined = input.returnFrozen === true ? { inputs: passInputs, ...(passProducts === undefined ? {} : { products: passProducts }) } : undefined;
  const only = (arrays: readonly Float32Array[]): Float32Array[] => arrays.map((a, b) => (needed.has(b) ? a : new Float32Array(0)));
  if (frozen === undefined) return { blockInputs: only(passInputs), blockProducts: passProducts === undefined ? [] : only(passProducts), ...(computed === undefined ? {} : { computed }) };
  const merge = (given: readonly Float32Array[], fresh: readonly Float32Array[] | undefined): Float32Array[] =>
    given.map((a, b) => (needed.has(b) ? scatterRows(new Float32Array(a), fresh?.[b] ?? new Float32Array(0), unknown, H) : new Float32Array(0)));
  // Products only where every row has one: else the group computes them (the same values on the kernel).
  const products = frozen.products !== undefined && (unknown.length === 0 || passProducts !== undefined) ? merge(frozen.products, passProducts) : [];
  return { blockInputs: merge(frozen.inputs, passInputs), blockProducts: products, ...(computed === undefined ? {} : { computed }) };
}

interface Member {
  readonly job: number;
  readonly prefix: readonly number[];
  readonly key: string;
  readonly trainRows: number[];
  readonly task: BatchedStageTask;
  readonly seed: number;
}

/**
 * Trains the requested stages of several shard jobs (any shards and orderings of one run) level by level: every
 * stage of one stage number, across all jobs, trains in one batched computation (up to `maxBatch` at a time),
 * each from its own parent. A job alone is the same computation with fewer companions and gives the same weights.
 */
export async function runShardJobs(inputs: readonly ShardJobInput[], opts: ShardJobsOptions = {}): Promise<ShardJobOutcome[]> {
  assertBatchable(inputs);
  const first = inputs[0];
  if (first === undefined) return [];
  const { config } = first;
  const L = config.adapterBlocks;
  const firstAdapterBlock = config.blocks - L;
  const maxBatch = opts.maxBatch ?? MAX_BATCHED_STAGES;
  const backbone = backboneFromWeights(config, first.backbone);
  const jobs: JobState[] = [];
  try {
    for (const input of inputs) {
      // Read back only the blocks this job trains (one per requested stage number), or all when asked to return them.
      const needed = new Set(input.prefixes.map((p) => blockOfStage(config, p.length) - firstAdapterBlock));
      const { blockInputs, blockProducts, computed } = await frozenPrefix(input, backbone, needed);
      const known = new Map<string, { adapter: Adapter; head: Head }>();
      for (const [key, w] of Object.entries(input.parents)) known.set(key, { adapter: adapterFromWeights(w.adapter), head: headFromWeights(w.head) });
      jobs.push({
        input,
        blockInputs,
        blockProducts,
        known,
        pretrainedHead: headFromWeights(input.pretrainedHead),
        out: [],
        ...(computed === undefined ? {} : { computed }),
        cancelled: false,
      });
    }
    const jobCancelled = (j: number): boolean => opts.jobSignals?.[j]?.aborted === true;
    for (let stage = 1; stage <= L; stage++) {
      const block = blockOfStage(config, stage);
      const members: Member[] = [];
      jobs.forEach((job, j) => {
        if (job.cancelled || jobCancelled(j)) {
          job.cancelled = true;
          return;
        }
        const queued = new Set<string>();
        for (const prefix of job.input.prefixes) {
          if (prefix.length !== stage) continue;
          const key = stagePrefixKey(prefix, stage);
          if (job.known.has(key) || queued.has(key)) continue; // shared prefix: trained once for every ordering
          queued.add(key);
          members.push(memberOf(job, j, prefix, key, block));
        }
      });
      for (let from = 0; from < members.length; from += maxBatch) {
        const chunk = members.slice(from, from + maxBatch);
        const started = performance.now();
        const outcomes = await trainStagesBatched({
            config,
            backbone,
            block,
            epochs: first.epochs,
            tasks: chunk.map((m) => m.task),
            plainMatMul: first.fastDense === false,
            ...opts.engine,
            ...(opts.signal === undefined ? {} : { signal: opts.signal }),
            ...(opts.onProgress === undefined ? {} : { onEpoch: (t: number, p: TrainProgress) => opts.onProgress?.((chunk[t] as Member).job, { ...p, prefix: (chunk[t] as Member).prefix }) }),
          });
        const seconds = (performance.now() - started) / 1000;
        for (let t = 0; t < chunk.length; t++) {
          const m = chunk[t] as Member;
          const job = jobs[m.job] as JobState;
          const result = outcomes[t];
          if (result === undefined || !result.ok) {
            job.cancelled = true;
            continue;
          }
          job.known.set(m.key, { adapter: result.adapter, head: result.head });
          job.out.push({
            prefix: [...m.prefix],
            stage,
            block,
            adapter: await adapterToWeights(result.adapter),
            head: await headToWeights(result.head),
            sampleIds: m.trainRows.map((r) => job.input.ids[r] as string),
            samplePasses: result.fit.samplePasses,
            loss: result.fit.finalLoss,
            seconds: seconds / chunk.length,
            seed: m.seed,
          });
        }
      }
    }
    return jobs.map((job, j) => (job.cancelled || jobCancelled(j) ? { ok: false, cancelled: true } : { ok: true, stages: job.out, ...(job.computed === undefined ? {} : { frozen: job.computed }) }));
  } finally {
    disposeAll(backbone);
    for (const job of jobs) {
      disposeAll(job.pretrainedHead);
      for (const v of job.known.values()) disposeAll(v.adapter, v.head);
    }
  }

  function memberOf(job: JobState, j: number, prefix: readonly number[], key: string, block: number): Member {
    const stage = prefix.length;
    const { input } = job;
    const inPrefix = new Set(prefix);
    const trainRows: number[] = [];
    for (let r = 0; r < input.ids.length; r++) if (inPrefix.has(input.sliceOf[r] as number) && input.deleted[r] !== 1) trainRows.push(r);
    const frozenAdapters = new Map<number, Adapter>();
    for (let s = 1; s < stage; s++) {
      const parent = job.known.get(stagePrefixKey(prefix, s));
      if (parent === undefined) throw new Error(`stage ${key} needs its parent ${stagePrefixKey(prefix, s)}`);
      frozenAdapters.set(blockOfStage(config, s), parent.adapter);
    }
    const parentHead = stage === 1 ? job.pretrainedHead : (job.known.get(stagePrefixKey(prefix, stage - 1)) as { head: Head }).head;
    const seed = deriveSeed(input.seed, 'stage', key);
    const H = config.hidden;
    const rowsOf = (all: Float32Array): Float32Array => {
      const out = new Float32Array(trainRows.length * H);
      trainRows.forEach((r, i) => out.set(all.subarray(r * H, (r + 1) * H), i * H));
      return out;
    };
    const blockInput = rowsOf(job.blockInputs[block - firstAdapterBlock] as Float32Array);
    const products = job.blockProducts[block - firstAdapterBlock];
    const labels = Float32Array.from(trainRows, (r) => input.y[r] as number);
    const signal = opts.jobSignals?.[j];
    const task: BatchedStageTask = {
      blockInput,
      // A block the pass did not read back has an empty array: never copy rows out of it (they would be zeros).
      ...(products === undefined || products.length === 0 ? {} : { blockProduct: rowsOf(products) }),
      labels,
      frozenAdapters,
      parentHead,
      seed,
      ...(signal === undefined ? {} : { signal }),
    };
    return { job: j, prefix, key, trainRows, seed, task };
  }
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
  /** IAU's gradient-restriction penalty α on the training loss (0 or absent: plain training). */
  readonly gradientRestriction?: number;
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
      ...(input.gradientRestriction === undefined || input.gradientRestriction === 0 ? {} : { gradientRestriction: { alpha: input.gradientRestriction, mode: 'exact' as const } }),
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

/**
 * Pretrains the frozen backbone and its head on the public split. `onProgress` after every epoch; aborting `signal`
 * stops it at its next step (CANCELLED).
 */
export async function runPretrainJob(input: PretrainJobInput, onProgress?: (p: TrainProgress) => void, signal?: AbortSignal): Promise<PretrainJobOutput> {
  const rows = input.y.length;
  const x = tf.tensor2d(input.x, [rows, rows === 0 ? 0 : input.x.length / rows]);
  const y = tf.tensor1d(input.y, input.config.task === 'classification' ? 'int32' : 'float32');
  try {
    const r = await pretrainBackbone({
      config: input.config,
      x,
      y,
      epochs: input.epochs,
      seed: deriveSeed(input.seed, 'pretrain'),
      ...(onProgress === undefined ? {} : { onEpoch: onProgress }),
      ...(signal === undefined ? {} : { signal }),
    });
    const out = { backbone: await backboneToWeights(r.backbone), head: await headToWeights(r.head), samplePasses: r.fit.samplePasses, loss: r.fit.finalLoss };
    disposeAll(r.backbone, r.head);
    return out;
  } finally {
    tf.dispose([x, y]);
  }
}
