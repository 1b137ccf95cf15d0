import { stagePrefixKey } from '../../shared/src/domain/impact.js';
import { deriveSeed } from '../../shared/src/domain/rng.js';
import { placeSample } from '../../shared/src/domain/placement.js';
import { parseRunSpec } from '../../shared/src/domain/run-spec.js';
import type { ArtifactStore } from '../../shared/src/ports/artifact-store.js';
import { gatherRows, sampleIdsHash, type Dataset } from '../../shared/src/ml/data/dataset.js';
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
  readonly excludedSampleIds: readonly string[];
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

const placements = new Map<string, { rows: number[]; sliceOf: number[] }[]>();

/** Rows and slices of every shard of a run, placed once per process (a run's placement never changes). */
function shardMembers(dataset: Dataset, salt: string, shards: number, slices: number, runKey: string): { rows: number[]; sliceOf: number[] }[] {
  const key = `${salt}\u0000${runKey}`;
  const hit = placements.get(key);
  if (hit !== undefined) return hit;
  const members = Array.from({ length: shards }, () => ({ rows: [] as number[], sliceOf: [] as number[] }));
  for (const row of dataset.split.user) {
    const p = placeSample(salt, dataset.ids[row] as string, shards, slices);
    members[p.shard]?.rows.push(row);
    members[p.shard]?.sliceOf.push(p.slice);
  }
  placements.set(key, members);
  return members;
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
    const { rows, sliceOf } = shardMembers(dataset, t.salt, spec.shards, spec.slices, t.runSpecJson)[t.shard] ?? { rows: [], sliceOf: [] };
    const ids = rows.map((r) => dataset.ids[r] as string);
    const excluded = new Set(t.excludedSampleIds);
    const { x, y } = gatherRows(dataset, rows);
    const backbone = await getBackbone(this.deps.artifacts, t.backboneArtifact);
    const parents: Record<string, StageWeights> = {};
    for (let digest = t.parentArtifact; digest !== ''; ) {
      const p = await getStage(this.deps.artifacts, digest);
      parents[stagePrefixKey(p.manifest.prefix, p.manifest.stage)] = p.weights;
      digest = p.manifest.parent ?? '';
    }
    const prefix = t.ordering.slice(0, t.stage);
    const stageRows = rows.filter((_, i) => prefix.includes(sliceOf[i] as number) && !excluded.has(ids[i] as string)).length;
    const [trained] = await this.deps.trainer.trainShard(
      {
      config,
      backbone: backbone.backbone,
      pretrainedHead: backbone.head,
      ids,
      x,
      y,
      sliceOf: Int32Array.from(sliceOf),
      deleted: Uint8Array.from(ids, (id) => (excluded.has(id) ? 1 : 0)),
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
