import { stagePrefixKey } from '../../../shared/src/domain/impact.js';
import { ErrorCode, LetheError, invalidArgument } from '../../../shared/src/errors/errors.js';
import type { ArtifactStore } from '../../../shared/src/ports/artifact-store.js';
import { tf, type Tensor2D } from '../../../shared/src/ml/tf.js';
import { getBackbone, getStage, modelConfigFor } from '../../../shared/src/ml/run-model.js';
import { adapterFromWeights, backboneFromWeights, disposeAll, forward, headFromWeights, type Adapter, type Backbone, type Head } from '../../../shared/src/ml/model.js';
import { blockOfStage, type ModelConfig } from '../../../shared/src/ml/model-config.js';
import { featureWidth } from '../../../shared/src/ml/data/dataset.js';
import { runSamples } from '../runs/run-catalog.js';
import type { RunViews } from '../state/run-views.js';
import { serving as shardServing, type ShardServing } from '../../../shared/src/domain/shard-machine.js';
import { shardRecordOf } from '../runs/stage-state.js';

export interface Prediction {
  readonly outputs: Float32Array;
  readonly shape: readonly [number, number];
  readonly predictedClasses: readonly number[];
  readonly serving: readonly ShardServing[];
  readonly revision: number;
}

/** Most input rows one Predict call may carry. */
export const MAX_PREDICT_ROWS = 10_000;
/** Loaded models kept for reuse (least recently used evicted and their tensors disposed). */
export const MAX_CACHED_BACKBONES = 8;
export const MAX_CACHED_STAGES = 512;

/**
 * A bounded least-recently-used cache of loaded models; `dispose` frees an evicted entry's tensors. Entries an
 * in-flight prediction uses are pinned: never evicted under it (the cache may then exceed its bound until unpinned).
 */
export class ModelCache<T> {
  private readonly entries = new Map<string, T>();
  private readonly pins = new Map<string, number>();
  constructor(
    private readonly max: number,
    private readonly dispose: (value: T) => void,
  ) {}

  get(key: string): T | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: T): void {
    this.entries.set(key, value);
    this.evict();
  }

  pin(key: string): void {
    this.pins.set(key, (this.pins.get(key) ?? 0) + 1);
  }

  unpin(key: string): void {
    const n = (this.pins.get(key) ?? 1) - 1;
    if (n <= 0) this.pins.delete(key);
    else this.pins.set(key, n);
    this.evict();
  }

  private evict(): void {
    if (this.entries.size <= this.max) return;
    for (const [key, value] of this.entries) {
      if (this.entries.size <= this.max) return;
      if (this.pins.has(key)) continue;
      this.entries.delete(key);
      this.dispose(value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Serves predictions from the active stages: per live shard, its best ordering at its depth (backbone, adapters
 * 1..d, head_d loaded from artifacts and cached by digest); mean of logits across live shards.
 */
export class Predictor {
  private readonly backbones = new ModelCache<{ config: ModelConfig; backbone: Backbone; head: Head }>(MAX_CACHED_BACKBONES, (b) => disposeAll(b.backbone, b.head));
  private readonly stages = new ModelCache<{ adapter: Adapter; head: Head; block: number }>(MAX_CACHED_STAGES, (s) => disposeAll(s.adapter, s.head));

  /** Models held in memory now (bounded by MAX_CACHED_BACKBONES and MAX_CACHED_STAGES). */
  get cached(): { backbones: number; stages: number } {
    return { backbones: this.backbones.size, stages: this.stages.size };
  }

  constructor(private readonly deps: { readonly views: RunViews; readonly artifacts: ArtifactStore }) {}

  private async backbone(digest: string, config: ModelConfig): Promise<{ config: ModelConfig; backbone: Backbone; head: Head }> {
    const hit = this.backbones.get(digest);
    if (hit !== undefined) return hit;
    const b = await getBackbone(this.deps.artifacts, digest);
    const loaded = { config, backbone: backboneFromWeights(config, b.backbone), head: headFromWeights(b.head) };
    this.backbones.set(digest, loaded);
    return loaded;
  }

  private async stage(digest: string): Promise<{ adapter: Adapter; head: Head; block: number }> {
    const hit = this.stages.get(digest);
    if (hit !== undefined) return hit;
    const s = await getStage(this.deps.artifacts, digest);
    const loaded = { adapter: adapterFromWeights(s.weights.adapter), head: headFromWeights(s.weights.head), block: s.manifest.block };
    this.stages.set(digest, loaded);
    return loaded;
  }

  async predict(runName: string, run: string, values: Float32Array, shape: readonly number[], revision: number): Promise<Prediction> {
    const { views } = this.deps;
    const record = views.run(run);
    if (record === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${runName}' not found`);
    const samples = runSamples(run, record.salt, record.spec);
    const width = featureWidth(samples.dataset);
    const rows = shape.length === 0 ? 0 : (shape[0] ?? 0);
    const given = shape.slice(1).reduce((a, b) => a * b, 1);
    if (rows <= 0 || given !== width || values.length !== rows * width) {
      throw invalidArgument(`inputs must have shape [batch, ${samples.dataset.inputShape.join(', ')}] with ${width} values per row; got shape [${shape.join(', ')}] and ${values.length} values`, { field: 'inputs' });
    }
    if (rows > MAX_PREDICT_ROWS) throw invalidArgument(`at most ${MAX_PREDICT_ROWS} rows per request, got ${rows}`, { field: 'inputs' });
    if (!values.every(Number.isFinite)) throw invalidArgument('inputs must be finite numbers', { field: 'inputs' });
    const b = views.backbone(run)?.value;
    if (b?.state !== 'ready' || b.digest === undefined) throw new LetheError(ErrorCode.FAILED_PRECONDITION, `run '${run}' has no trained backbone yet`);
    const config = modelConfigFor(record.spec, samples.dataset);
    // Everything this call uses stays pinned in the caches until its forward pass is done.
    const backboneDigest = b.digest;
    const pinnedStages: string[] = [];
    this.backbones.pin(backboneDigest);
    try {
      return await this.predictPinned(run, record, config, backboneDigest, rows, width, values, revision, pinnedStages);
    } finally {
      this.backbones.unpin(backboneDigest);
      for (const d of pinnedStages) this.stages.unpin(d);
    }
  }

  private async predictPinned(
    run: string,
    record: NonNullable<ReturnType<RunViews['run']>>,
    config: ModelConfig,
    backboneDigest: string,
    rows: number,
    width: number,
    values: Float32Array,
    revision: number,
    pinnedStages: string[],
  ): Promise<Prediction> {
    const { views } = this.deps;
    const base = await this.backbone(backboneDigest, config);
    const serving: ShardServing[] = [];
    const models: { adapters: Map<number, Adapter>; head: Head }[] = [];
    for (let shard = 0; shard < record.spec.shards; shard++) {
      const rec = shardRecordOf(views, run, record, shard).value;
      const choice = shardServing(rec, shard, record.orderings);
      serving.push(choice);
      if (!choice.live) continue;
      const order = record.orderings[choice.ordering] as number[];
      const adapters = new Map<number, Adapter>();
      let head: Head | undefined;
      for (let stage = 1; stage <= choice.depth; stage++) {
        const c = rec.committed[stagePrefixKey(order, stage)];
        if (c === undefined) throw new LetheError(ErrorCode.INTERNAL, `active stage ${stage} of shard ${shard} has no artifact`);
        this.stages.pin(c.digest);
        pinnedStages.push(c.digest);
        const s = await this.stage(c.digest);
        adapters.set(blockOfStage(config, stage), s.adapter);
        head = s.head;
      }
      models.push({ adapters, head: head as Head });
    }
    if (models.length === 0 && !record.spec.fallbackToBackbone) {
      throw new LetheError(ErrorCode.FAILED_PRECONDITION, `run '${run}' has no live shard: every shard lost its clean stages to deletions; retraining is under way`);
    }
    const logits = tf.tidy(() => {
      const x = tf.tensor2d(values, [rows, width]);
      if (models.length === 0) return forward(config, base.backbone, x, new Map(), base.head);
      const sum = models.map((m) => forward(config, base.backbone, x, m.adapters, m.head)).reduce((a, c) => tf.add<Tensor2D>(a, c));
      return tf.div<Tensor2D>(sum, models.length);
    });
    const outputs = (await logits.data()) as Float32Array;
    const argMax = logits.argMax(-1);
    const classes = config.task === 'classification' ? Array.from((await argMax.data()) as Int32Array) : [];
    const cols = logits.shape[1];
    tf.dispose([logits, argMax]);
    return { outputs, shape: [rows, cols], predictedClasses: classes, serving, revision };
  }
}
