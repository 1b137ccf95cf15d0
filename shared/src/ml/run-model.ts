import type { RunSpec } from '../domain/run-spec.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import { decodeArtifact, decodeSampleList, encodeArtifact, encodeSampleList, type BackboneManifest, type ModelManifest, type StageManifest } from './artifact-codec.js';
import type { Dataset } from './data/dataset.js';
import { ModelConfigSchema, type ModelConfig } from './model-config.js';
import type { StageWeights } from './shard-job.js';
import type { WeightSet } from './weights.js';

/** The model configuration a run implies for its dataset (the same on coordinator and workers). */
export function modelConfigFor(spec: Pick<RunSpec, 'slices' | 'model'>, dataset: Pick<Dataset, 'inputShape' | 'task' | 'outputs'>): ModelConfig {
  return ModelConfigSchema.parse({
    inputShape: [...dataset.inputShape],
    task: dataset.task,
    outputs: dataset.outputs,
    adapterBlocks: spec.slices,
    blocks: spec.model.blocks ?? spec.slices,
    hidden: spec.model.hidden,
    loraRank: spec.model.loraRank,
    convStem: spec.model.convStem && dataset.inputShape.length === 3,
    learningRate: spec.model.learningRate,
    batchSize: spec.model.batchSize,
    regressionLoss: spec.model.regressionLoss,
  });
}

function prefixed(prefix: string, w: WeightSet): WeightSet {
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [`${prefix}.${k}`, v]));
}

function unprefixed(w: WeightSet, prefix: string): WeightSet {
  return Object.fromEntries(Object.entries(w).filter(([k]) => k.startsWith(`${prefix}.`)).map(([k, v]) => [k.slice(prefix.length + 1), v]));
}

/** Stores a pretrained backbone (and its head) as one artifact. */
export function putBackbone(store: ArtifactStore, manifest: BackboneManifest, backbone: WeightSet, head: WeightSet): Promise<string> {
  return store.put(encodeArtifact({ manifest, weights: { ...backbone, ...prefixed('head', head) } }));
}

export async function getBackbone(store: ArtifactStore, digest: string): Promise<{ manifest: BackboneManifest; backbone: WeightSet; head: WeightSet }> {
  const a = decodeArtifact(await store.get(digest));
  if (a.manifest.kind !== 'backbone') throw new Error(`artifact ${digest} is not a backbone`);
  const backbone = Object.fromEntries(Object.entries(a.weights).filter(([k]) => !k.startsWith('head.')));
  return { manifest: a.manifest, backbone, head: unprefixed(a.weights, 'head') };
}

/** Stores a stage: first the list of ids it trained on (under its own sha256), then adapter + head. */
export async function putStage(store: ArtifactStore, manifest: StageManifest, weights: StageWeights, sampleIds: readonly string[]): Promise<string> {
  const listDigest = await store.put(encodeSampleList(sampleIds));
  if (listDigest !== manifest.sampleIdsHash) throw new Error('sample list digest does not match the manifest');
  return store.put(encodeArtifact({ manifest, weights: { ...prefixed('adapter', weights.adapter), ...prefixed('head', weights.head) } }));
}

export async function getStage(store: ArtifactStore, digest: string): Promise<{ manifest: StageManifest; weights: StageWeights }> {
  const a = decodeArtifact(await store.get(digest));
  if (a.manifest.kind !== 'stage') throw new Error(`artifact ${digest} is not a stage`);
  return { manifest: a.manifest, weights: { adapter: unprefixed(a.weights, 'adapter'), head: unprefixed(a.weights, 'head') } };
}

/** Stores a whole model (original or unlearned): its training id list first, then its parameters. */
export async function putModel(store: ArtifactStore, manifest: ModelManifest, params: WeightSet, sampleIds: readonly string[]): Promise<string> {
  const listDigest = await store.put(encodeSampleList(sampleIds));
  if (listDigest !== manifest.sampleIdsHash) throw new Error('sample list digest does not match the manifest');
  return store.put(encodeArtifact({ manifest, weights: params }));
}

/** A model's parameters, and SSD's precomputed importance when it carries one (`importance.<param>` tensors). */
export async function getModel(store: ArtifactStore, digest: string): Promise<{ manifest: ModelManifest; params: WeightSet; importance: WeightSet | null }> {
  const a = decodeArtifact(await store.get(digest));
  if (a.manifest.kind !== 'model') throw new Error(`artifact ${digest} is not a model`);
  const params = Object.fromEntries(Object.entries(a.weights).filter(([k]) => !k.startsWith('importance.')));
  const importance = unprefixed(a.weights, 'importance');
  return { manifest: a.manifest, params, importance: Object.keys(importance).length === 0 ? null : importance };
}

/** The weights to store for a model with its precomputed importance. */
export function withImportance(params: WeightSet, importance: WeightSet | undefined): WeightSet {
  return importance === undefined ? params : { ...params, ...prefixed('importance', importance) };
}

/** The ids a model (or stage) artifact was trained on, from its list blob. */
export async function trainedIds(store: ArtifactStore, sampleIdsHash: string): Promise<string[]> {
  return decodeSampleList(await store.get(sampleIdsHash));
}
