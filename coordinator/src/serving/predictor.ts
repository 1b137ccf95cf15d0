import { stagePrefixKey } from '../../../shared/src/domain/impact.js';
import { ErrorCode, LetheError, invalidArgument, toLetheError } from '../../../shared/src/errors/errors.js';
import type { ArtifactStore } from '../../../shared/src/ports/artifact-store.js';
import { getBackbone, getStage, modelConfigFor } from '../../../shared/src/ml/run-model.js';
import { blockOfStage, type ModelConfig } from '../../../shared/src/ml/model-config.js';
import type { Trainer } from '../../../shared/src/ml/trainer.js';
import type { ServedShardWeights } from '../../../shared/src/ml/predict-job.js';
import type { WeightSet } from '../../../shared/src/ml/weights.js';
import { featureWidth } from '../../../shared/src/ml/data/dataset.js';
import { runSamples } from '../runs/run-catalog.js';
import type { RunViews } from '../state/run-views.js';
import type { RunRecord } from '../state/records.js';
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
/** Model weights kept for reuse (least recently used evicted). */
export const MAX_CACHED_BACKBONES = 8;
export const MAX_CACHED_STAGES = 512;
/** Times a shard is chosen again when deletions purge its chosen stages while a Predict loads them. */
const MAX_RECHOOSE = 5;
/** How long a missing artifact's shard record gets to change before the artifact counts as lost. */
const MIRROR_CATCH_UP_MS = 2_000;

/**
 * A bounded least-recently-used cache of model weights. They are plain arrays, so an entry evicted while a call
 * still uses it stays alive for that call: eviction only means the next call reads the artifact again.
 */
export class ModelCache<T> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly max: number) {}

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
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Serves predictions from the active stages: per live shard, its best ordering at its depth (backbone, adapters
 * 1..d, head_d); the mean of logits across live shards. The weights come from the artifact store and are cached by
 * digest (bounded, least recently used); the forward pass runs on the pool's thread,
 * so a large Predict never holds the event loop that serves deletions and renews leases.
 */
export class Predictor {
  private readonly backbones = new ModelCache<{ backbone: WeightSet; head: WeightSet }>(MAX_CACHED_BACKBONES);
  private readonly stages = new ModelCache<{ adapter: WeightSet; head: WeightSet }>(MAX_CACHED_STAGES);

  constructor(private readonly deps: { readonly views: RunViews; readonly artifacts: ArtifactStore; readonly pool: Trainer }) {}

  /** Models held in memory now (bounded by MAX_CACHED_BACKBONES and MAX_CACHED_STAGES). */
  get cached(): { backbones: number; stages: number } {
    return { backbones: this.backbones.size, stages: this.stages.size };
  }

  private async backbone(digest: string): Promise<{ backbone: WeightSet; head: WeightSet }> {
    const hit = this.backbones.get(digest);
    if (hit !== undefined) return hit;
    const b = await getBackbone(this.deps.artifacts, digest);
    const loaded = { backbone: b.backbone, head: b.head };
    this.backbones.set(digest, loaded);
    return loaded;
  }

  private async stage(digest: string): Promise<{ adapter: WeightSet; head: WeightSet }> {
    const hit = this.stages.get(digest);
    if (hit !== undefined) return hit;
    const s = await getStage(this.deps.artifacts, digest);
    const loaded = { adapter: s.weights.adapter, head: s.weights.head };
    this.stages.set(digest, loaded);
    return loaded;
  }

  /**
   * A shard's serving choice and its weights. A deletion can deactivate the chosen stages and the scheduler purge
   * their artifacts while they load: the record has then moved on, so the shard is chosen again from it (the call
   * still answers at a revision at least as new as it promised). An artifact missing from a record that does not
   * move within MIRROR_CATCH_UP_MS is a lost artifact (INTERNAL); one that keeps moving under the call is
   * UNAVAILABLE (retry).
   */
  private async shardWeights(run: string, record: RunRecord, shard: number, config: ModelConfig): Promise<{ choice: ShardServing; weights?: ServedShardWeights }> {
    for (let attempt = 1; ; attempt++) {
      const current = shardRecordOf(this.deps.views, run, record, shard);
      const rec = current.value;
      const choice = shardServing(rec, shard, record.orderings);
      if (!choice.live) return { choice };
      const order = record.orderings[choice.ordering] as number[];
      try {
        const adapters: { block: number; weights: WeightSet }[] = [];
        let head: WeightSet | undefined;
        for (let stage = 1; stage <= choice.depth; stage++) {
          const c = rec.committed[stagePrefixKey(order, stage)];
          if (c === undefined || c.digest === '') throw new LetheError(ErrorCode.INTERNAL, `active stage ${stage} of shard ${shard} has no artifact`);
          const s = await this.stage(c.digest);
          adapters.push({ block: blockOfStage(config, stage), weights: s.adapter });
          head = s.head;
        }
        return { choice, weights: { adapters, head: head as WeightSet } };
      } catch (e) {
        if (toLetheError(e).code !== ErrorCode.NOT_FOUND) throw e;
        // On a follower the purge can be seen before the deletion that caused it: give the mirror time to catch up.
        let moved = false;
        for (let waited = 0; !moved && waited <= MIRROR_CATCH_UP_MS; waited += 50) {
          const now = shardRecordOf(this.deps.views, run, record, shard);
          moved = now.bodyRevision !== current.bodyRevision || now.gensRevision !== current.gensRevision;
          if (!moved) await new Promise((r) => setTimeout(r, 50));
        }
        if (!moved) throw new LetheError(ErrorCode.INTERNAL, `an artifact of shard ${shard}'s active stages is missing from the artifact store: ${toLetheError(e).message}`);
        if (attempt >= MAX_RECHOOSE) throw new LetheError(ErrorCode.UNAVAILABLE, `shard ${shard}'s serving stages changed ${attempt} times during the call (deletions under way); retry`);
      }
    }
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
    const base = await this.backbone(b.digest);
    const serving: ShardServing[] = [];
    const shards: ServedShardWeights[] = [];
    for (let shard = 0; shard < record.spec.shards; shard++) {
      const { choice, weights } = await this.shardWeights(run, record, shard, config);
      serving.push(choice);
      if (weights !== undefined) shards.push(weights);
    }
    if (shards.length === 0 && !record.spec.fallbackToBackbone) {
      throw new LetheError(ErrorCode.FAILED_PRECONDITION, `run '${run}' has no live shard: every shard lost its clean stages to deletions; retraining is under way`);
    }
    const out = await this.deps.pool.predict({ config, backbone: base.backbone, backboneHead: base.head, shards, x: values, rows, width });
    return { outputs: out.outputs, shape: [rows, out.cols], predictedClasses: Array.from(out.predictedClasses), serving, revision };
  }
}
