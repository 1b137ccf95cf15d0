import { shardMembers } from '../../shared/src/ml/data/shard-members.js';
import { SampleDigestMemo } from '../../shared/src/domain/sample-digest.js';
import { stagePrefixKey } from '../../shared/src/domain/impact.js';
import { deriveSeed } from '../../shared/src/domain/rng.js';
import { parseRunSpec, type RunSpec } from '../../shared/src/domain/run-spec.js';
import { resolveDataUri } from '../../shared/src/ml/data/data-roots.js';
import type { ArtifactStore } from '../../shared/src/ports/artifact-store.js';
import { gatherRows, sampleIdsHash, type Dataset } from '../../shared/src/ml/data/dataset.js';
import { loadDataset } from '../../shared/src/ml/data/registry.js';
import { getBackbone, getStage, modelConfigFor, putBackbone, putStage } from '../../shared/src/ml/run-model.js';
import type { ShardJobInput, StageWeights, TrainedStage } from '../../shared/src/ml/shard-job.js';
import type { TrainProgress } from '../../shared/src/ml/training.js';
import { ErrorCode, LetheError } from '../../shared/src/errors/errors.js';
import type { Trainer } from '../../shared/src/ml/trainer.js';
import type { FrozenPrefixCache, FrozenPrefixCacheStats, KnownFrozenRows } from '../../shared/src/ml/frozen-prefix-cache.js';
import { blockOfStage, type ModelConfig } from '../../shared/src/ml/model-config.js';

/** What a worker needs to train one stage; mirrors the StageTask message. */
export interface StageTaskInput {
  readonly run: string;
  readonly shard: number;
  readonly ordering: readonly number[];
  readonly stage: number;
  readonly slices: readonly { readonly slice: number; readonly generation: number }[];
  readonly parentArtifact: string;
  readonly backboneArtifact: string;
  /** Keyed digests of the shard's deleted ids (see sampleIdDigest), under `sampleIdKey`. */
  readonly excludedSampleIds: readonly string[];
  readonly sampleIdKey: string;
  readonly sharingOrderings: readonly number[];
  readonly runSpecJson: string;
  readonly salt: string;
}

export interface TaskOutput {
  readonly artifact: string;
  readonly manifestHash: string;
  readonly samplePasses: number;
  readonly seconds: number;
}

export interface TaskExecutorDeps {
  readonly artifacts: ArtifactStore;
  readonly trainer: Trainer;
  /** Directories file datasets may come from (checked again here, not only at the coordinator); absent: no check. */
  readonly dataRoots?: readonly string[];
  /**
   * Frozen-prefix rows kept between tasks (only for a backend where that is exact: `frozenPrefixCacheable`); absent:
   * every task computes its rows' frozen prefix.
   */
  readonly frozenCache?: FrozenPrefixCache;
}

/** Decoded backbones a worker keeps (the runs it trains at once, each about a megabyte for MNIST's conv stem). */
const KEPT_BACKBONES = 4;

/** Runs whose cached rows a deletion announcement can find (a few hundred bytes each). */
const KEPT_RUN_REFS = 256;

/**
 * What a worker keeps for a run it trained stages of: its backbone and where its rows sit in the frozen-prefix cache
 * (absent without one), and how to tell its deleted samples' ids from their digests.
 */
interface RunRef {
  readonly backboneArtifact: string;
  readonly key?: string;
  readonly dataset: Dataset;
  readonly salt: string;
  readonly shards: number;
  readonly slices: number;
  readonly sampleIdKey: string;
}

/** Samples a deletion removed from one slice of one shard of a run (the SamplesDeleted message). */
export interface DeletedSamplesInput {
  readonly run: string;
  readonly shard: number;
  readonly slice: number;
  /** Keyed digests under the run's sample-id key. */
  readonly sampleIds: readonly string[];
}

/** Sets `key` as the most recently used entry of `map` (insertion order), dropping the oldest beyond `max`. */
function keepRecent<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const old of map.keys()) {
    if (map.size <= max) break;
    map.delete(old);
  }
}

/** Runs stage and pretraining tasks: loads data and parent artifacts, trains off the event loop, stores artifacts. */
export class TaskExecutor {
  /** Backbones by artifact digest, most recently used last. */
  private readonly backbones = new Map<string, ReturnType<typeof getBackbone>>();
  /** Runs this worker trained stages of, most recently used last. */
  private readonly runRefs = new Map<string, RunRef>();
  /** Its rows' keyed digests: every retraining task tests its rows against the run's deletions. */
  private readonly digests = new SampleDigestMemo();

  constructor(private readonly deps: TaskExecutorDeps) {}

  /** A task's run spec, its file dataset (if any) resolved within this worker's data roots. */
  private runSpec(json: string): RunSpec {
    const spec = parseRunSpec(JSON.parse(json));
    if (spec.dataset.uri === undefined || this.deps.dataRoots === undefined) return spec;
    return { ...spec, dataset: { ...spec.dataset, uri: resolveDataUri(spec.dataset.uri, this.deps.dataRoots) } };
  }

  /** Training threads the trainer replaced after cancels that did not stop in time (undefined in-thread). */
  threadsReplaced(): number | undefined {
    return this.deps.trainer.threadsReplaced;
  }

  /** The frozen-prefix cache's figures (undefined without one). */
  frozenCacheStats(): FrozenPrefixCacheStats | undefined {
    return this.deps.frozenCache?.stats;
  }

  /**
   * A deletion committed: drops the cached frozen-prefix rows of its samples (keyed digests of one slice of one shard)
   * at once, so nothing derived from them stays on this worker until it happens to retrain that slice. Only rows
   * held are hashed (the slice's rows, not the dataset). Returns the rows dropped; 0 for a run this worker never
   * cached rows of, or without a cache.
   */
  forgetDeleted(d: DeletedSamplesInput): number {
    const cache = this.deps.frozenCache;
    const ref = this.runRefs.get(d.run);
    if (cache === undefined || ref?.key === undefined || d.sampleIds.length === 0) return 0;
    const key = ref.key;
    if (!Number.isInteger(d.shard) || d.shard < 0 || d.shard >= ref.shards || !Number.isInteger(d.slice) || d.slice < 0 || d.slice >= ref.slices) return 0;
    const members = shardMembers(ref.dataset, ref.salt, ref.shards, ref.slices)[d.shard];
    if (members === undefined) return 0;
    const isDeleted = this.digests.deletedBy(ref.sampleIdKey, d.sampleIds);
    const ids: string[] = [];
    members.rows.forEach((row, i) => {
      const id = ref.dataset.ids[row] as string;
      if (members.sliceOf[i] === d.slice && cache.holds(key, id) && isDeleted(id)) ids.push(id);
    });
    return cache.forget(key, ids);
  }

  /**
   * The worker's stream to a coordinator ended, or it (re)attached: deletions committed while it was detached are
   * announced without it, so it drops every cached row (they are recomputed as tasks need them), and a task
   * prepared before this stores none of what it computes. Returns the rows dropped.
   */
  dropCache(): number {
    const cache = this.deps.frozenCache;
    if (cache === undefined) return 0;
    const rows = cache.stats.rows;
    cache.clear();
    return rows;
  }

  /**
   * A run was deleted: drops its cached rows (everything under its cache key: another run with the same backbone,
   * dataset and model recomputes them) and its decoded backbone. Returns the rows dropped.
   */
  forgetRun(run: string): number {
    const ref = this.runRefs.get(run);
    if (ref === undefined) return 0;
    this.runRefs.delete(run);
    this.backbones.delete(ref.backboneArtifact);
    return ref.key === undefined ? 0 : (this.deps.frozenCache?.dropKey(ref.key) ?? 0);
  }

  /** Frozen-prefix rows this worker holds for `run` (0 for a run it cached nothing of). */
  cachedRows(run: string): number {
    const key = this.runRefs.get(run)?.key;
    return key === undefined ? 0 : (this.deps.frozenCache?.rowsUnder(key) ?? 0);
  }

  /**
   * Pretrains a run's backbone on its public split. `onProgress` hears when a training thread takes it (fraction 0,
   * loss NaN) and after each epoch, as a stage's does; aborting `signal` stops it (CANCELLED).
   */
  async pretrain(runSpecJson: string, onProgress?: (p: StageProgress) => void, signal?: AbortSignal): Promise<TaskOutput> {
    const started = performance.now();
    const spec = this.runSpec(runSpecJson);
    const dataset = loadDataset(spec.dataset);
    const config = modelConfigFor(spec, dataset);
    const { x, y } = gatherRows(dataset, dataset.split.public);
    const passes = y.length * spec.pretrainEpochs;
    const out = await this.deps.trainer.pretrain(
      { config, x, y, epochs: spec.pretrainEpochs, seed: spec.seed },
      {
        ...(onProgress === undefined
          ? {}
          : {
              onStart: () => onProgress(STARTED),
              onProgress: (p: TrainProgress) => onProgress(epochReport(p, passes)),
            }),
        ...(signal === undefined ? {} : { signal }),
      },
    );
    const publicIds = Array.from(dataset.split.public, (r) => dataset.ids[r] as string);
    const artifact = await putBackbone(
      this.deps.artifacts,
      { kind: 'backbone', dataset: dataset.name, config, publicIdsHash: sampleIdsHash(publicIds), publicCount: publicIds.length, epochs: spec.pretrainEpochs, seed: spec.seed },
      out.backbone,
      out.head,
    );
    return { artifact, manifestHash: sampleIdsHash(publicIds), samplePasses: out.samplePasses, seconds: (performance.now() - started) / 1000 };
  }

  async stage(t: StageTaskInput, onProgress?: (p: StageProgress) => void, signal?: AbortSignal): Promise<TaskOutput> {
    const [outcome] = await this.stageGroup([t], onProgress === undefined ? undefined : (_, p) => onProgress(p), [signal]);
    if (outcome === undefined) throw new Error('stage produced no outcome');
    if (!outcome.ok) throw outcome.error;
    return outcome.output;
  }

  /**
   * Trains stage tasks of one run together, in one batched computation per stage level (see runShardJobs); each
   * task gets exactly the data, seed and result it would get alone. A task whose signal aborts is dropped from the
   * computation and fails CANCELLED; the others go on.
   */
  async stageGroup(
    tasks: readonly StageTaskInput[],
    onProgress?: (task: number, p: StageProgress) => void,
    signals: readonly (AbortSignal | undefined)[] = [],
  ): Promise<StageOutcome[]> {
    const started = performance.now();
    const prepared: PreparedStage[] = [];
    for (const t of tasks) prepared.push(await this.prepareStage(t));
    // A single member's cancel drops it at the next epoch boundary; when every member is cancelled the whole
    // computation stops there (its thread is replaced only if it does not stop within the trainer's grace).
    const all = new AbortController();
    const onMemberAbort = (): void => {
      if (tasks.every((_, i) => signals[i]?.aborted === true)) all.abort();
    };
    for (const sig of signals) sig?.addEventListener('abort', onMemberAbort, { once: true });
    onMemberAbort();
    const outcomes = await this.deps.trainer
      .trainShards(
      prepared.map((p) => p.job),
      {
        signal: all.signal,
        jobSignals: signals,
        ...(onProgress === undefined
          ? {}
          : {
              onStart: () => tasks.forEach((_, i) => onProgress(i, STARTED)),
              onProgress: (i: number, p: TrainProgress) => onProgress(i, epochReport(p, (prepared[i] as PreparedStage).samplesPerEpochTimesEpochs)),
            }),
      },
      )
      .catch((error: unknown) => {
        if (all.signal.aborted) return tasks.map(() => ({ ok: false, cancelled: true }) as const);
        throw error;
      })
      .finally(() => {
        for (const sig of signals) sig?.removeEventListener('abort', onMemberAbort);
      });
    const out: StageOutcome[] = [];
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i] as StageTaskInput;
      const p = prepared[i] as PreparedStage;
      const o = outcomes[i];
      // A member cancelled after its training finished stores nothing (its data may have lost samples meanwhile).
      if (o === undefined || !o.ok || signals[i]?.aborted === true) {
        out.push({ ok: false, error: new LetheError(ErrorCode.CANCELLED, 'stage training cancelled') });
        continue;
      }
      const trained = o.stages[0];
      if (trained === undefined) {
        out.push({ ok: false, error: new Error(`stage ${stagePrefixKey(p.prefix, t.stage)} produced no result`) });
        continue;
      }
      const cache = this.deps.frozenCache;
      // Not across a clear: the task was prepared before deletions the worker may have missed.
      if (o.frozen !== undefined && p.cache !== undefined && cache?.generation === p.cache.generation) cache.put(p.cache.key, p.cache.computedIds, o.frozen);
      try {
        // A member's seconds: from the group's start until its artifact is stored (what the task waited).
        const stored = await this.storeStage(t, p, trained);
        out.push({ ok: true, output: { ...stored, seconds: (performance.now() - started) / 1000 } });
      } catch (error) {
        out.push({ ok: false, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return out;
  }

  /** Loads what one stage trains on: the tombstone filter comes before any read of the data. */
  /**
   * A backbone by artifact digest, read (and its digest verified) once: artifacts are content-addressed, so a
   * decoded one never goes stale; every task of a run needs the same one (a megabyte to read and hash each time).
   * One object per digest also lets a group's jobs share it (one copy to the training thread, an identity check).
   */
  private backboneOf(digest: string): ReturnType<typeof getBackbone> {
    const hit = this.backbones.get(digest) ?? getBackbone(this.deps.artifacts, digest);
    // A failed read is not kept.
    hit.catch(() => {
      if (this.backbones.get(digest) === hit) this.backbones.delete(digest);
    });
    keepRecent(this.backbones, digest, hit, KEPT_BACKBONES);
    return hit;
  }

  private async prepareStage(t: StageTaskInput): Promise<PreparedStage> {
    const spec = this.runSpec(t.runSpecJson);
    const dataset = loadDataset(spec.dataset);
    const config = modelConfigFor(spec, dataset);
    const members = shardMembers(dataset, t.salt, spec.shards, spec.slices)[t.shard] ?? { rows: [], sliceOf: [] };
    const prefix = t.ordering.slice(0, t.stage);
    const inPrefix = new Set(prefix);
    const isExcluded = this.digests.deletedBy(t.sampleIdKey, t.excludedSampleIds);
    // Deleted rows (and rows outside the stage's slices) are never gathered into what the training thread gets.
    const keep: number[] = [];
    const deleted: string[] = [];
    members.rows.forEach((row, i) => {
      if (!inPrefix.has(members.sliceOf[i] as number)) return;
      if (isExcluded(dataset.ids[row] as string)) deleted.push(dataset.ids[row] as string);
      else keep.push(i);
    });
    const rows = keep.map((i) => members.rows[i] as number);
    const sliceOf = keep.map((i) => members.sliceOf[i] as number);
    const ids = rows.map((r) => dataset.ids[r] as string);
    const cache = this.frozenRows(t, spec, config, ids, deleted);
    keepRecent(this.runRefs, t.run, { backboneArtifact: t.backboneArtifact, ...(cache === undefined ? {} : { key: cache.key }), dataset, salt: t.salt, shards: spec.shards, slices: spec.slices, sampleIdKey: t.sampleIdKey }, KEPT_RUN_REFS);
    // Only the rows the cache does not know are gathered and sent through the frozen pass.
    const { x } = gatherRows(dataset, cache === undefined ? rows : rows.filter((_, i) => cache.frozen.known[i] !== 1));
    const y = Float32Array.from(rows, (r) => dataset.y[r] as number);
    const backbone = await this.backboneOf(t.backboneArtifact);
    const parents: Record<string, StageWeights> = {};
    for (let digest = t.parentArtifact; digest !== ''; ) {
      const p = await getStage(this.deps.artifacts, digest);
      parents[stagePrefixKey(p.manifest.prefix, p.manifest.stage)] = p.weights;
      digest = p.manifest.parent ?? '';
    }
    return {
      prefix,
      epochs: spec.epochs,
      samplesPerEpochTimesEpochs: spec.epochs * rows.length,
      ...(cache === undefined ? {} : { cache: { key: cache.key, computedIds: ids.filter((_, i) => cache.frozen.known[i] !== 1), generation: cache.generation } }),
      job: {
        config,
        backbone: backbone.backbone,
        pretrainedHead: backbone.head,
        ids,
        x,
        y,
        sliceOf: Int32Array.from(sliceOf),
        deleted: new Uint8Array(ids.length), // already left out
        prefixes: [prefix],
        parents,
        epochs: spec.epochs,
        seed: deriveSeed(spec.seed, 'shard', t.shard),
        ...(cache === undefined ? {} : { frozen: cache.frozen, returnFrozen: true }),
      },
    };
  }

  /**
   * What the frozen-prefix cache knows of a stage's rows, under a key naming the function (backbone, dataset, model).
   * First the deleted samples of the stage's slices are dropped from it: every retraining a deletion causes trains
   * on the deleted sample's slice, so its first task drops it, and nothing derived from it outlives the deletion.
   */
  private frozenRows(t: StageTaskInput, spec: RunSpec, config: ModelConfig, ids: readonly string[], deleted: readonly string[]): { key: string; frozen: KnownFrozenRows; generation: number } | undefined {
    const cache = this.deps.frozenCache;
    if (cache === undefined) return undefined;
    const key = `${t.backboneArtifact}\u0000${JSON.stringify(spec.dataset)}\u0000${JSON.stringify(config)}`;
    cache.forget(key, deleted);
    const block = blockOfStage(config, t.stage) - (config.blocks - config.adapterBlocks);
    return { key, frozen: cache.lookup(key, ids, new Set([block])), generation: cache.generation };
  }

  private async storeStage(t: StageTaskInput, p: PreparedStage, trained: TrainedStage): Promise<Omit<TaskOutput, 'seconds'>> {
    const manifestHash = sampleIdsHash(trained.sampleIds);
    const artifact = await putStage(
      this.deps.artifacts,
      {
        kind: 'stage',
        run: t.run,
        shard: t.shard,
        orderings: [...t.sharingOrderings],
        prefix: p.prefix,
        stage: t.stage,
        block: trained.block,
        slices: t.slices.map((s) => ({ slice: s.slice, generation: s.generation })),
        sampleIdsHash: manifestHash,
        sampleCount: trained.sampleIds.length,
        parent: t.parentArtifact === '' ? null : t.parentArtifact,
        backbone: t.backboneArtifact,
        epochs: p.epochs,
        seed: trained.seed,
      },
      trained,
      trained.sampleIds,
    );
    return { artifact, manifestHash, samplePasses: trained.samplePasses };
  }
}

export interface StageProgress {
  readonly fraction: number;
  readonly loss: number;
  readonly samplesSeen: number;
}

/** What a task reports when a training thread takes it (after any wait for one): no epoch done, no loss yet. */
const STARTED: StageProgress = { fraction: 0, loss: Number.NaN, samplesSeen: 0 };

/** An epoch's report, with the samples seen so far out of `passes` (the task's rows × epochs). */
function epochReport(p: TrainProgress, passes: number): StageProgress {
  return { fraction: p.fraction, loss: p.loss, samplesSeen: Math.round(p.fraction * passes) };
}

export type StageOutcome = { readonly ok: true; readonly output: TaskOutput } | { readonly ok: false; readonly error: Error };

interface PreparedStage {
  readonly prefix: number[];
  /** Where the rows the pass computes go in the frozen-prefix cache, and its generation when they were looked up. */
  readonly cache?: { readonly key: string; readonly computedIds: readonly string[]; readonly generation: number };
  readonly epochs: number;
  readonly samplesPerEpochTimesEpochs: number;
  readonly job: ShardJobInput;
}
