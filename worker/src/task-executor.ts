import { shardMembers } from '../../shared/src/ml/data/shard-members.js';
import { deletedBy } from '../../shared/src/domain/sample-digest.js';
import { stagePrefixKey } from '../../shared/src/domain/impact.js';
import { deriveSeed } from '../../shared/src/domain/rng.js';
import { parseRunSpec } from '../../shared/src/domain/run-spec.js';
import type { ArtifactStore } from '../../shared/src/ports/artifact-store.js';
import { gatherRows, sampleIdsHash } from '../../shared/src/ml/data/dataset.js';
import { loadDataset } from '../../shared/src/ml/data/registry.js';
import { getBackbone, getStage, modelConfigFor, putBackbone, putStage } from '../../shared/src/ml/run-model.js';
import type { StageWeights } from '../../shared/src/ml/shard-job.js';
import type { Trainer } from '../../shared/src/ml/trainer.js';

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
}

/** Runs stage and pretraining tasks: loads data and parent artifacts, trains off the event loop, stores artifacts. */
export class TaskExecutor {
  constructor(private readonly deps: TaskExecutorDeps) {}

  async pretrain(runSpecJson: string): Promise<TaskOutput> {
    const started = performance.now();
    const spec = parseRunSpec(JSON.parse(runSpecJson));
    const dataset = loadDataset(spec.dataset);
    const config = modelConfigFor(spec, dataset);
    const { x, y } = gatherRows(dataset, dataset.split.public);
    const out = await this.deps.trainer.pretrain({ config, x, y, epochs: spec.pretrainEpochs, seed: spec.seed });
    const publicIds = Array.from(dataset.split.public, (r) => dataset.ids[r] as string);
    const artifact = await putBackbone(
      this.deps.artifacts,
      { kind: 'backbone', dataset: dataset.name, config, publicIdsHash: sampleIdsHash(publicIds), publicCount: publicIds.length, epochs: spec.pretrainEpochs, seed: spec.seed },
      out.backbone,
      out.head,
    );
    return { artifact, manifestHash: sampleIdsHash(publicIds), samplePasses: out.samplePasses, seconds: (performance.now() - started) / 1000 };
  }

  async stage(t: StageTaskInput, onProgress?: (p: { fraction: number; loss: number; samplesSeen: number }) => void, signal?: AbortSignal): Promise<TaskOutput> {
    const started = performance.now();
    const spec = parseRunSpec(JSON.parse(t.runSpecJson));
    const dataset = loadDataset(spec.dataset);
    const config = modelConfigFor(spec, dataset);
    const members = shardMembers(dataset, t.salt, spec.shards, spec.slices)[t.shard] ?? { rows: [], sliceOf: [] };
    const prefix = t.ordering.slice(0, t.stage);
    const inPrefix = new Set(prefix);
    const isExcluded = deletedBy(t.sampleIdKey, t.excludedSampleIds);
    // The tombstone filter comes before any read of the data: deleted rows (and rows outside the stage's slices)
    // are never gathered into what the training thread gets.
    const keep = members.rows.flatMap((row, i) => (inPrefix.has(members.sliceOf[i] as number) && !isExcluded(dataset.ids[row] as string) ? [i] : []));
    const rows = keep.map((i) => members.rows[i] as number);
    const sliceOf = keep.map((i) => members.sliceOf[i] as number);
    const ids = rows.map((r) => dataset.ids[r] as string);
    const { x, y } = gatherRows(dataset, rows);
    const backbone = await getBackbone(this.deps.artifacts, t.backboneArtifact);
    const parents: Record<string, StageWeights> = {};
    for (let digest = t.parentArtifact; digest !== ''; ) {
      const p = await getStage(this.deps.artifacts, digest);
      parents[stagePrefixKey(p.manifest.prefix, p.manifest.stage)] = p.weights;
      digest = p.manifest.parent ?? '';
    }
    const stageRows = rows.length;
    const [trained] = await this.deps.trainer.trainShard(
      {
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
      },
      (p) => onProgress?.({ fraction: p.fraction, loss: p.loss, samplesSeen: Math.round(p.fraction * spec.epochs * stageRows) }),
      signal,
    );
    if (trained === undefined) throw new Error(`stage ${stagePrefixKey(prefix, t.stage)} produced no result`);
    const manifestHash = sampleIdsHash(trained.sampleIds);
    const artifact = await putStage(
      this.deps.artifacts,
      {
        kind: 'stage',
        run: t.run,
        shard: t.shard,
        orderings: [...t.sharingOrderings],
        prefix,
        stage: t.stage,
        block: trained.block,
        slices: t.slices.map((s) => ({ slice: s.slice, generation: s.generation })),
        sampleIdsHash: manifestHash,
        sampleCount: trained.sampleIds.length,
        parent: t.parentArtifact === '' ? null : t.parentArtifact,
        backbone: t.backboneArtifact,
        epochs: spec.epochs,
        seed: trained.seed,
      },
      trained,
      trained.sampleIds,
    );
    return { artifact, manifestHash, samplePasses: trained.samplePasses, seconds: (performance.now() - started) / 1000 };
  }
}
