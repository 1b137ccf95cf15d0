import { createHash } from 'node:crypto';
import { ErrorCode, LetheError } from '../../../shared/src/errors/errors.js';
import { deletedBy } from '../../../shared/src/domain/sample-digest.js';
import { parseRunSpec } from '../../../shared/src/domain/run-spec.js';
import { gatherRows, sampleIdsHash, type Dataset } from '../../../shared/src/ml/data/dataset.js';
import { loadDataset } from '../../../shared/src/ml/data/registry.js';
import { getBackbone, getModel, modelConfigFor, putModel, trainedIds, withImportance } from '../../../shared/src/ml/run-model.js';
import type { Trainer } from '../../../shared/src/ml/trainer.js';
import type { ModelConfig } from '../../../shared/src/ml/model-config.js';
import type { WeightSet } from '../../../shared/src/ml/weights.js';
import { jobRows, type JobRows } from '../../../shared/src/ml/unlearning/forget-set.js';
import type { UnlearnJobInput } from '../../../shared/src/ml/unlearning/job.js';
import { originalWeights } from '../../../shared/src/ml/unlearning/original.js';
import { OriginalModelSchema, parseJson, type JobKeys, type JobSpec } from '../../../shared/src/jobs/records.js';
import type { ArtifactStore } from '../../../shared/src/ports/artifact-store.js';
import type { StateStore } from '../../../shared/src/ports/state-store.js';

export interface PreparedJob {
  readonly input: UnlearnJobInput;
  readonly dataset: Dataset;
  readonly rows: JobRows;
  readonly config: ModelConfig;
  /** The model unlearned from. */
  readonly modelArtifact: string;
  /** Whether the original had to be trained for this job (its cost is not the method's). */
  readonly trainedOriginal: boolean;
}

export interface JobInputDeps {
  readonly store: StateStore;
  readonly keys: JobKeys;
  readonly artifacts: ArtifactStore;
  readonly trainer: Trainer;
}

const excludedHashOf = (excluded: readonly string[]): string => createHash('sha256').update([...excluded].sort().join('\n')).digest('hex');

/**
 * The run's original model (one model of the run's architecture trained by its recipe on all its user data that
 * is not deleted), trained once and recorded under `models/<run>/original`. A recorded one is reused only if it
 * excludes exactly the deletions this job's snapshot names; the record is written with a compare on the key's
 * revision, so a deletion that invalidated it meanwhile wins.
 */
/** SSD's batch size: the original is trained with I_D at this batch size precomputed. */
const IMPORTANCE_BATCH = 128;

interface ModelRef {
  readonly digest: string;
  readonly params: WeightSet;
  readonly importance: { batchSize: number; weights: WeightSet } | null;
  readonly trained: boolean;
}

async function originalModel(deps: JobInputDeps, spec: JobSpec, d: Dataset, config: ModelConfig, trainRows: readonly number[], backbone: { backbone: WeightSet; head: WeightSet }): Promise<ModelRef> {
  const key = deps.keys.original(spec.run.name);
  const excludedHash = excludedHashOf(spec.run.excluded);
  const kv = await deps.store.get(key);
  const record = kv === null ? null : parseJson(OriginalModelSchema, kv.value, 'original model record');
  if (record !== null && record.invalidatedBy === undefined && record.excludedHash === excludedHash && record.backboneArtifact === spec.run.backboneArtifact && (await deps.artifacts.has(record.artifact))) {
    const m = await getModel(deps.artifacts, record.artifact);
    return { digest: record.artifact, params: m.params, importance: importanceOf(m), trained: false };
  }
  if (kv !== null && kv.modRevision > spec.run.revision) {
    // A deletion (or another job) changed the record after this job's snapshot: its data may hold a deleted sample.
    throw new LetheError(ErrorCode.FAILED_PRECONDITION, `run '${spec.run.name}' changed after this job was submitted (a deletion since); submit it again to unlearn from the current data`);
  }
  const runSpec = parseRunSpec(JSON.parse(spec.run.specJson));
  const { x, y } = gatherRows(d, trainRows);
  const full = await deps.trainer.trainFull({ config, backbone: backbone.backbone, pretrainedHead: backbone.head, x, y, epochs: runSpec.epochs, seed: runSpec.seed, importanceBatchSize: IMPORTANCE_BATCH, gradientRestriction: runSpec.model.gradientRestriction });
  const params = originalWeights(full);
  const ids = trainRows.map((r) => d.ids[r] as string);
  const digest = await putModel(
    deps.artifacts,
    { kind: 'model', role: 'original', run: spec.run.name, runSpecJson: spec.run.specJson, backbone: spec.run.backboneArtifact, sampleIdsHash: sampleIdsHash(ids), sampleCount: ids.length, parent: null, job: null, method: null, importanceBatchSize: full.importance === undefined ? null : IMPORTANCE_BATCH },
    withImportance(params, full.importance),
    ids,
  );
  // Recorded only over what was read (absent, stale or invalidated): a concurrent deletion's marker is never lost,
  // and the model it invalidated is not kept (this job still uses it: it runs on its submit-time snapshot).
  const recorded = await deps.store.txn({
    compare: [kv === null ? { key, target: 'createRevision', op: '==', value: 0 } : { key, target: 'modRevision', op: '==', value: kv.modRevision }],
    success: [{ type: 'put', key, value: JSON.stringify({ artifact: digest, excludedCount: spec.run.excluded.length, excludedHash, backboneArtifact: spec.run.backboneArtifact, trainedAt: new Date().toISOString() }) }],
  });
  if (!recorded.succeeded) await deps.artifacts.delete(digest);
  return { digest, params, importance: full.importance === undefined ? null : { batchSize: IMPORTANCE_BATCH, weights: full.importance }, trained: true };
}

function importanceOf(m: { manifest: { importanceBatchSize?: number | null }; importance: WeightSet | null }): ModelRef['importance'] {
  const batchSize = m.manifest.importanceBatchSize;
  return m.importance === null || batchSize === undefined || batchSize === null ? null : { batchSize, weights: m.importance };
}

/** Everything a job's training thread needs: the data split by the forget set, θ_o, the backbone, the recipe. */
export async function prepareJob(deps: JobInputDeps, spec: JobSpec): Promise<PreparedJob> {
  const runSpec = parseRunSpec(JSON.parse(spec.run.specJson));
  const d = loadDataset(runSpec.dataset);
  const config = modelConfigFor(runSpec, d);
  const backbone = await getBackbone(deps.artifacts, spec.run.backboneArtifact);
  const isDeleted = deletedBy(spec.run.sampleIdKey, spec.run.excluded);
  let trainRows: number[];
  let original: ModelRef;
  if (spec.modelArtifact !== undefined) {
    const model = await getModel(deps.artifacts, spec.modelArtifact);
    const ids = new Set(await trainedIds(deps.artifacts, model.manifest.sampleIdsHash));
    trainRows = Array.from(d.split.user).filter((r) => ids.has(d.ids[r] as string) && !isDeleted(d.ids[r] as string));
    original = { digest: spec.modelArtifact, params: model.params, importance: importanceOf(model), trained: false };
  } else {
    trainRows = Array.from(d.split.user).filter((r) => !isDeleted(d.ids[r] as string));
    original = await originalModel(deps, spec, d, config, trainRows, backbone);
  }
  const forget = spec.forget.kind === 'class' ? spec.forget : { kind: 'ids' as const, ids: await trainedIds(deps.artifacts, spec.forget.list) };
  const rows = jobRows(d, trainRows, forget, (r) => d.y[r] as number);
  if (rows.retain.length === 0) throw new LetheError(ErrorCode.FAILED_PRECONDITION, 'the retain set is empty: nothing would be left to learn from');
  return {
    input: {
      config,
      backbone: backbone.backbone,
      pretrainedHead: backbone.head,
      original: original.params,
      recipe: { epochs: runSpec.epochs, batchSize: config.batchSize, learningRate: config.learningRate, seed: runSpec.seed, gradientRestriction: runSpec.model.gradientRestriction },
      method: spec.method,
      params: spec.parameters,
      seed: spec.seed,
      forget: gatherRows(d, rows.forget),
      retain: gatherRows(d, rows.retain),
      test: gatherRows(d, rows.test),
      evaluate: spec.evaluate,
      forgetLabelsWithheld: spec.forgetUnlabelled,
      ...(original.importance === null ? {} : { originalImportance: original.importance }),
    },
    dataset: d,
    rows,
    config,
    modelArtifact: original.digest,
    trainedOriginal: original.trained,
  };
}

/** Stores θ_u as a model artifact whose training ids are the retain set. */
export function storeUnlearned(artifacts: ArtifactStore, spec: JobSpec, prepared: PreparedJob, params: WeightSet): Promise<string> {
  const ids = prepared.rows.retain.map((r) => prepared.dataset.ids[r] as string);
  return putModel(
    artifacts,
    { kind: 'model', role: 'unlearned', run: spec.run.name, runSpecJson: spec.run.specJson, backbone: spec.run.backboneArtifact, sampleIdsHash: sampleIdsHash(ids), sampleCount: ids.length, parent: prepared.modelArtifact, job: spec.id, method: spec.method },
    params,
    ids,
  );
}
