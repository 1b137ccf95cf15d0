import { ErrorCode, LetheError, invalidArgument } from '../errors/errors.js';
import { placeSample } from '../domain/placement.js';
import { cyclicSelect, type Ordering } from '../domain/cyclic.js';
import { bmsSelect } from '../domain/bms.js';
import { stagePrefixKey, type DeletionImpact, type ServingChoice } from '../domain/impact.js';
import {
  activeDepth,
  assignGroup,
  commit as commitResult,
  deleteSlices,
  emptyShardRecord,
  inactiveStages,
  isActive,
  resultOutcome,
  serving,
  taintedSlices,
  type ShardRecord,
} from '../domain/shard-machine.js';
import { deriveSeed } from '../domain/rng.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import { tf, type Tensor2D } from './tf.js';
import { featureWidth, gatherRows, sampleIdsHash, type Dataset } from './data/dataset.js';
import { ModelConfigSchema, blockOfStage, type ModelConfig, type ModelConfigInput } from './model-config.js';
import {
  adapterFromWeights,
  backboneToWeights,
  disposeAll,
  forward,
  headFromWeights,
  headToWeights,
  type Adapter,
  type Backbone,
  type Head,
} from './model.js';
import { pretrainBackbone } from './training.js';
import type { StageManifest } from './artifact-codec.js';
import { putBackbone, putStage } from './run-model.js';
import { triePrefixes, type StageWeights, type TrainedStage } from './shard-job.js';
import type { Trainer } from './trainer.js';
import type { WeightSet } from './weights.js';

export interface S3TRunOptions {
  readonly runId: string;
  /** Salt of the placement hash. @default runId */
  readonly salt?: string;
  readonly dataset: Dataset;
  readonly shards: number;
  readonly slices: number;
  readonly budget: number;
  readonly selection?: 'cyclic' | 'bms';
  readonly prior?: readonly number[];
  readonly horizon?: number;
  /** Model settings beyond what the dataset fixes (input shape, task, outputs, adapter blocks). */
  readonly model?: Partial<Pick<ModelConfigInput, 'hidden' | 'blocks' | 'loraRank' | 'loraScale' | 'convStem' | 'learningRate' | 'batchSize' | 'regressionLoss'>>;
  /** Epochs per stage. */
  readonly epochs: number;
  readonly pretrainEpochs: number;
  readonly seed: number;
  readonly artifacts: ArtifactStore;
  readonly trainer: Trainer;
  /** Serve the bare pretrained backbone when every shard is dead, instead of failing. @default false */
  readonly fallbackToBackbone?: boolean;
  /** The wasm dense fix; off only to measure its effect. @default true */
  readonly fastDense?: boolean;
}

/** One committed stage held in memory for serving. */
interface StageRecord {
  readonly prefix: readonly number[];
  readonly digest: string;
  readonly manifest: StageManifest;
  readonly adapter: Adapter;
  readonly head: Head;
  readonly weights: StageWeights;
}

interface ShardState {
  readonly index: number;
  /** Dataset rows of this shard's user samples and their slices. */
  readonly rows: Int32Array;
  readonly sliceOf: Int32Array;
  /** The shard state machine's record: generations, committed stages, assignments. It alone decides validity. */
  record: ShardRecord;
  /** Loaded weights of committed stages, by prefix key. */
  readonly stages: Map<string, StageRecord>;
}

/** The one "worker" of an in-process run. */
const LOCAL_WORKER = 'local';

export interface ShardDeletionImpact extends DeletionImpact {
  readonly shard: number;
}

export interface DeletionOutcome {
  readonly deleted: number;
  readonly alreadyDeleted: number;
  readonly shards: readonly ShardDeletionImpact[];
  /** What serves each affected shard afterwards, in the order of `shards`. */
  readonly serving: readonly ServingChoice[];
}

export interface CostCounters {
  /** Sample-passes spent on training and on retraining after deletions. */
  train: number;
  retrain: number;
  pretrain: number;
}

/**
 * An S3T run in one process: placement, plan, pretraining, stage training through a Trainer, artifacts,
 * exact deactivation on deletion, background-style retraining on cleaned slices, and ensemble serving.
 * SISA is the same run with budget 1. The distributed control plane drives the same pieces over gRPC.
 */
export class S3TRun {
  readonly config: ModelConfig;
  readonly orderings: readonly Ordering[];
  readonly costs: CostCounters = { train: 0, retrain: 0, pretrain: 0 };
  private readonly shardStates: ShardState[];
  private readonly tombstones = new Set<string>();
  private readonly rowOfId = new Map<string, number>();
  private readonly userRows: ReadonlySet<number>;
  private backbone!: Backbone;
  private backboneWeights!: WeightSet;
  private pretrainedHead!: Head;
  private pretrainedHeadWeights!: WeightSet;
  private backboneDigest = '';

  private constructor(private readonly o: S3TRunOptions) {
    const d = o.dataset;
    this.config = ModelConfigSchema.parse({
      inputShape: [...d.inputShape],
      task: d.task,
      outputs: d.outputs,
      adapterBlocks: o.slices,
      blocks: o.model?.blocks ?? o.slices,
      ...o.model,
      convStem: (o.model?.convStem ?? false) && d.inputShape.length === 3,
    });
    this.orderings =
      (o.selection ?? 'cyclic') === 'cyclic'
        ? cyclicSelect(o.slices, o.budget)
        : bmsSelect({ prior: o.prior ?? Array.from({ length: o.slices }, () => 1 / o.slices), horizon: o.horizon ?? 10, budget: o.budget, seed: o.seed });
    d.ids.forEach((id, row) => this.rowOfId.set(id, row));
    this.userRows = new Set(d.split.user);
    const members = Array.from({ length: o.shards }, () => ({ rows: [] as number[], slices: [] as number[] }));
    const salt = o.salt ?? o.runId;
    for (const row of d.split.user) {
      const p = placeSample(salt, d.ids[row] as string, o.shards, o.slices);
      members[p.shard]?.rows.push(row);
      members[p.shard]?.slices.push(p.slice);
    }
    this.shardStates = members.map((m, index) => ({
      index,
      rows: Int32Array.from(m.rows),
      sliceOf: Int32Array.from(m.slices),
      record: emptyShardRecord(o.slices),
      stages: new Map(),
    }));
  }

  /** Plans the run and pretrains the backbone on the public split. */
  static async create(o: S3TRunOptions): Promise<S3TRun> {
    const run = new S3TRun(o);
    await run.pretrain();
    return run;
  }

  private async pretrain(): Promise<void> {
    const d = this.o.dataset;
    const pub = gatherRows(d, d.split.public);
    const x = tf.tensor2d(pub.x, [d.split.public.length, featureWidth(d)]);
    const y = tf.tensor1d(pub.y, d.task === 'classification' ? 'int32' : 'float32');
    const result = await pretrainBackbone({ config: this.config, x, y, epochs: this.o.pretrainEpochs, seed: deriveSeed(this.o.seed, 'pretrain') });
    tf.dispose([x, y]);
    this.backbone = result.backbone;
    this.pretrainedHead = result.head;
    this.backboneWeights = await backboneToWeights(result.backbone);
    this.pretrainedHeadWeights = await headToWeights(result.head);
    this.costs.pretrain += result.fit.samplePasses;
    const publicIds = Array.from(d.split.public, (r) => d.ids[r] as string);
    this.backboneDigest = await putBackbone(
      this.o.artifacts,
      { kind: 'backbone', dataset: d.name, config: this.config, publicIdsHash: sampleIdsHash(publicIds), publicCount: publicIds.length, epochs: this.o.pretrainEpochs, seed: this.o.seed },
      this.backboneWeights,
      this.pretrainedHeadWeights,
    );
  }

  get shards(): number {
    return this.shardStates.length;
  }

  get backboneArtifact(): string {
    return this.backboneDigest;
  }

  /** Trains every stage of every shard (each prefix once), shards in parallel on the trainer. */
  async trainAll(onShardDone?: (shard: number) => void): Promise<void> {
    await Promise.all(
      this.shardStates.map(async (s) => {
        await this.trainPrefixes(s, triePrefixes(this.orderings), 'train');
        onShardDone?.(s.index);
      }),
    );
  }

  servingChoice(shard: number): ServingChoice {
    const choice = serving(this.shardState(shard).record, shard, this.orderings);
    return choice.live ? { ordering: choice.ordering, depth: choice.depth } : null;
  }

  private shardState(shard: number): ShardState {
    const s = this.shardStates[shard];
    if (s === undefined) throw invalidArgument(`shard ${shard} does not exist`);
    return s;
  }

  /** Where a sample lives, or null for ids outside the run's user data. */
  locate(id: string): { shard: number; slice: number } | null {
    const row = this.rowOfId.get(id);
    if (row === undefined || !this.userRows.has(row)) return null;
    return placeSample(this.o.salt ?? this.o.runId, id, this.o.shards, this.o.slices);
  }

  isDeleted(id: string): boolean {
    return this.tombstones.has(id);
  }

  /**
   * Deletes user samples: validates every id first (nothing changes if one is bad), writes tombstones, bumps the
   * generations of the touched slices and so deactivates every stage that saw them. No training happens here.
   */
  deleteSamples(ids: readonly string[]): DeletionOutcome {
    if (ids.length === 0) throw invalidArgument('sample_ids must not be empty', { field: 'sample_ids' });
    const located = ids.map((id) => {
      const at = this.locate(id);
      if (at === null) throw invalidArgument(`sample id '${id}' is not in this run's user data`, { field: 'sample_ids', sampleId: id });
      return { id, ...at };
    });
    const byShard = new Map<number, Set<number>>();
    let alreadyDeleted = 0;
    for (const { id, shard, slice } of located) {
      if (this.tombstones.has(id)) {
        alreadyDeleted++;
        continue;
      }
      this.tombstones.add(id);
      if (!byShard.has(shard)) byShard.set(shard, new Set());
      byShard.get(shard)?.add(slice);
    }
    const shards: ShardDeletionImpact[] = [];
    for (const [shard, slices] of [...byShard].sort((a, b) => a[0] - b[0])) {
      const s = this.shardState(shard);
      const before = s.record;
      const t = deleteSlices(before, { slices, orderings: this.orderings });
      s.record = t.record;
      const choice = (rec: ShardRecord): ServingChoice => {
        const c = serving(rec, shard, this.orderings);
        return c.live ? { ordering: c.ordering, depth: c.depth } : null;
      };
      shards.push({
        shard,
        taintedBefore: t.taintedBefore,
        taintedAfter: taintedSlices(t.record),
        newlyTainted: t.newlyTainted,
        depthsBefore: this.orderings.map((o) => activeDepth(before, o)),
        depthsAfter: this.orderings.map((o) => activeDepth(t.record, o)),
        deactivated: t.deactivated,
        retrain: t.retrain,
        servingBefore: choice(before),
        servingAfter: choice(t.record),
        changed: t.deactivated.length > 0,
      });
    }
    return {
      deleted: ids.length - alreadyDeleted,
      alreadyDeleted,
      shards,
      serving: shards.map((i) => this.servingChoice(i.shard)),
    };
  }

  /** Stages (by prefix) that are missing or stale, parents first. */
  staleStages(shard: number): number[][] {
    return inactiveStages(this.shardState(shard).record, this.orderings);
  }

  /** Retrains every stale stage of every shard from its last clean ancestor, on cleaned slices. */
  async retrain(): Promise<number> {
    const before = this.costs.retrain;
    await Promise.all(
      this.shardStates.map(async (s) => {
        const stale = this.staleStages(s.index);
        if (stale.length > 0) await this.trainPrefixes(s, stale, 'retrain');
      }),
    );
    return this.costs.retrain - before;
  }

  private taskCount = 0;

  /**
   * Trains a set of stages of one shard in one job. They are assigned as one group through the state machine at
   * the current generations; each result commits through it too, so a deletion that lands while they train makes
   * them stale and they are discarded (invariant 3).
   */
  private async trainPrefixes(s: ShardState, prefixes: readonly (readonly number[])[], kind: 'train' | 'retrain'): Promise<void> {
    const d = this.o.dataset;
    const rows = gatherRows(d, s.rows);
    const ids = Array.from(s.rows, (r) => d.ids[r] as string);
    const deleted = Uint8Array.from(ids, (id) => (this.tombstones.has(id) ? 1 : 0));
    const taskId = `${this.o.runId}/${s.index}/${++this.taskCount}`;
    const now = new Date();
    s.record = assignGroup(s.record, { prefixes, taskId, worker: LOCAL_WORKER, epoch: this.taskCount, now: now.toISOString(), nowMs: now.getTime(), orderings: this.orderings }).record;
    const requested = new Set(prefixes.map((p) => stagePrefixKey(p, p.length)));
    const parents: Record<string, StageWeights> = {};
    for (const [key, rec] of s.stages) if (!requested.has(key) && isActive(s.record, key)) parents[key] = rec.weights;
    const trained = await this.o.trainer.trainShard({
      config: this.config,
      backbone: this.backboneWeights,
      pretrainedHead: this.pretrainedHeadWeights,
      ids,
      x: rows.x,
      y: rows.y,
      sliceOf: s.sliceOf,
      deleted,
      prefixes,
      parents,
      epochs: this.o.epochs,
      seed: deriveSeed(this.o.seed, 'shard', s.index),
      fastDense: this.o.fastDense ?? true,
    });
    for (const t of trained) await this.commit(s, t, taskId, kind);
  }

  /** Stores and commits a trained stage if the state machine accepts its result; otherwise it is only counted. */
  private async commit(s: ShardState, t: TrainedStage, taskId: string, kind: 'train' | 'retrain'): Promise<boolean> {
    this.costs[kind] += t.samplePasses;
    const key = stagePrefixKey(t.prefix, t.stage);
    const assignment = s.record.training[key];
    const now = new Date();
    const result = { key, taskId, worker: LOCAL_WORKER, samplePasses: t.samplePasses, error: '', now: now.toISOString(), nowMs: now.getTime() };
    if (assignment === undefined || resultOutcome(s.record, key, taskId, LOCAL_WORKER) !== 'commit') {
      s.record = commitResult(s.record, { ...result, ok: true, digest: '', manifestHash: '' }).record; // discarded
      return false;
    }
    const parentKey = t.stage > 1 ? stagePrefixKey(t.prefix, t.stage - 1) : null;
    const manifest: StageManifest = {
      kind: 'stage',
      run: this.o.runId,
      shard: s.index,
      orderings: this.orderings.flatMap((o, i) => (stagePrefixKey(o, t.stage) === key ? [i] : [])),
      prefix: [...t.prefix],
      stage: t.stage,
      block: t.block,
      slices: t.prefix.map((slice, i) => ({ slice, generation: assignment.generations[i] as number })),
      sampleIdsHash: sampleIdsHash(t.sampleIds),
      sampleCount: t.sampleIds.length,
      parent: parentKey === null ? null : (s.record.committed[parentKey]?.digest ?? null),
      backbone: this.backboneDigest,
      epochs: this.o.epochs,
      seed: t.seed,
    };
    const digest = await putStage(this.o.artifacts, manifest, t, t.sampleIds);
    const committed = commitResult(s.record, { ...result, ok: true, digest, manifestHash: manifest.sampleIdsHash });
    if (committed.effects[0]?.type !== 'committed') return false;
    s.record = committed.record;
    const old = s.stages.get(key);
    s.stages.set(key, { prefix: t.prefix, digest, manifest, adapter: adapterFromWeights(t.adapter), head: headFromWeights(t.head), weights: t });
    if (old !== undefined) disposeAll(old.adapter, old.head);
    return true;
  }

  /** The committed stage record of a shard's prefix, with its artifact digest and manifest. */
  stage(shard: number, prefix: readonly number[]): { digest: string; manifest: StageManifest; valid: boolean } | undefined {
    const s = this.shardState(shard);
    const key = stagePrefixKey(prefix, prefix.length);
    const rec = s.stages.get(key);
    return rec === undefined ? undefined : { digest: rec.digest, manifest: rec.manifest, valid: isActive(s.record, key) };
  }

  /** Logits of one shard's served model (its best ordering at its depth): backbone + adapters 1..d + head_d. */
  shardLogits(shard: number, x: tf.Tensor, choice: ServingChoice = this.servingChoice(shard)): Tensor2D {
    if (choice === null) throw new LetheError(ErrorCode.FAILED_PRECONDITION, `shard ${shard} has no clean stage to serve`);
    const s = this.shardState(shard);
    const order = this.orderings[choice.ordering] as Ordering;
    const adapters = new Map<number, Adapter>();
    let head: Head | undefined;
    for (let stage = 1; stage <= choice.depth; stage++) {
      const rec = s.stages.get(stagePrefixKey(order, stage)) as StageRecord;
      adapters.set(blockOfStage(this.config, stage), rec.adapter);
      head = rec.head;
    }
    return forward(this.config, this.backbone, x, adapters, head as Head);
  }

  /** Mean of logits over live shards; every shard dead → error, or the pretrained backbone if configured. */
  predictLogits(x: tf.Tensor): Tensor2D {
    return tf.tidy(() => {
      const live = this.shardStates.map((s) => ({ shard: s.index, choice: this.servingChoice(s.index) })).filter((c) => c.choice !== null);
      if (live.length === 0) {
        if (this.o.fallbackToBackbone === true) return forward(this.config, this.backbone, x, new Map(), this.pretrainedHead);
        throw new LetheError(ErrorCode.FAILED_PRECONDITION, 'every shard is dead: no model trained without the deleted data remains; retrain first');
      }
      const sum = live.map((l) => this.shardLogits(l.shard, x, l.choice)).reduce((a, b) => tf.add<Tensor2D>(a, b));
      return tf.div<Tensor2D>(sum, live.length);
    });
  }

  /** Accuracy (or MSE) of the pretrained backbone and head alone: what a dead ensemble falls back to. */
  evaluateBackbone(rows: ArrayLike<number> = this.o.dataset.split.test): Promise<number> {
    return evaluateRows(this.o.dataset, rows, 1000, (x) => forward(this.config, this.backbone, x, new Map(), this.pretrainedHead));
  }

  /** Accuracy (classification) or mean squared error (regression) on dataset rows, in batches. */
  evaluate(rows: ArrayLike<number> = this.o.dataset.split.test, batch = 1000): Promise<number> {
    return evaluateRows(this.o.dataset, rows, batch, (x) => this.predictLogits(x));
  }

  /**
   * The full-training baseline in the same engine: one model of the same architecture (same frozen backbone,
   * every adapter block and the head trained jointly) on all user data that is not deleted. Calling it again
   * after deletions is "retrain from scratch".
   */
  async trainFullBaseline(): Promise<FullBaseline> {
    const d = this.o.dataset;
    const rows = Array.from(d.split.user).filter((r) => !this.tombstones.has(d.ids[r] as string));
    const { x, y } = gatherRows(d, rows);
    const out = await this.o.trainer.trainFull({
      config: this.config,
      backbone: this.backboneWeights,
      pretrainedHead: this.pretrainedHeadWeights,
      x,
      y,
      epochs: this.o.epochs,
      seed: this.o.seed,
      fastDense: this.o.fastDense ?? true,
    });
    const adapters = new Map<number, Adapter>(Object.entries(out.adapters).map(([block, w]) => [Number(block), adapterFromWeights(w)]));
    const head = headFromWeights(out.head);
    const predict = (xs: tf.Tensor): Tensor2D => forward(this.config, this.backbone, xs, adapters, head);
    return {
      samplePasses: out.samplePasses,
      trainedOn: rows.length,
      evaluate: (evalRows = d.split.test) => evaluateRows(d, evalRows, 1000, predict),
      dispose: () => {
        for (const a of adapters.values()) disposeAll(a);
        disposeAll(head);
      },
    };
  }

  /** Frees every tensor the run holds. */
  dispose(): void {
    disposeAll(this.backbone, this.pretrainedHead);
    for (const s of this.shardStates) for (const rec of s.stages.values()) disposeAll(rec.adapter, rec.head);
  }
}

export interface FullBaseline {
  readonly samplePasses: number;
  readonly trainedOn: number;
  evaluate(rows?: ArrayLike<number>): Promise<number>;
  dispose(): void;
}


/** Accuracy or MSE of `predict` over dataset rows. */
export async function evaluateRows(d: Dataset, rows: ArrayLike<number>, batch: number, predict: (x: tf.Tensor) => Tensor2D): Promise<number> {
  let score = 0;
  for (let start = 0; start < rows.length; start += batch) {
    const part = Array.from({ length: Math.min(batch, rows.length - start) }, (_, i) => rows[start + i] as number);
    const { x, y } = gatherRows(d, part);
    const out = tf.tidy(() => {
      const logits = predict(tf.tensor2d(x, [part.length, featureWidth(d)]));
      return d.task === 'classification' ? logits.argMax(-1) : logits.reshape([-1]);
    });
    const values = await out.data();
    out.dispose();
    values.forEach((v, i) => {
      const t = y[i] as number;
      score += d.task === 'classification' ? (v === t ? 1 : 0) : (v - t) ** 2;
    });
  }
  return score / Math.max(1, rows.length);
}

