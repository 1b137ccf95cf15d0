import { auditPut } from '../audit/audit-log.js';
import { ErrorCode, LetheError } from '../../../shared/src/errors/errors.js';
import { JobSpecSchema, JobStatusSchema, jobKeys } from '../../../shared/src/jobs/records.js';
import { decodeArtifact } from '../../../shared/src/ml/artifact-codec.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { ArtifactStore } from '../../../shared/src/ports/artifact-store.js';
import type { StageCancel } from '../deletion/deletion-service.js';
import type { FencedWriter } from '../state/fenced-writer.js';
import type { RunViews } from '../state/run-views.js';
import { shardRecordOf } from './stage-state.js';

export interface RunDeletionDeps {
  readonly views: RunViews;
  readonly writer: FencedWriter;
  readonly artifacts: ArtifactStore;
  readonly logger: Logger;
  /** Stops the run's in-flight tasks on their workers. */
  readonly cancel: (cancels: readonly StageCancel[]) => void;
  /** Tells the workers the run is gone (after the cancels), so they drop what they keep for it. */
  readonly announce?: (run: string) => void;
}

/** A stage's or model's id list (a backbone has none; an id-list blob itself is not decodable). */
async function idListOf(artifacts: ArtifactStore, digest: string): Promise<string> {
  return artifacts.get(digest).then(
    (bytes) => {
      const m = decodeArtifact(bytes).manifest;
      return m.kind === 'backbone' ? '' : m.sampleIdsHash;
    },
    () => '',
  );
}

/**
 * Every artifact a run references — committed stages and their id lists, the backbone, its original model and the
 * results of approximate jobs on it, with their id lists — and its in-flight tasks.
 */
async function referencedBy(deps: RunDeletionDeps, run: string): Promise<{ digests: Set<string>; cancels: StageCancel[] }> {
  const { views } = deps;
  const record = views.run(run);
  const digests = new Set<string>();
  const cancels: StageCancel[] = [];
  for (let shard = 0; record !== undefined && shard < record.spec.shards; shard++) {
    const rec = shardRecordOf(views, run, record, shard).value;
    for (const c of Object.values(rec.committed)) digests.add(c.digest).add(c.manifestHash);
    for (const [stage, a] of Object.entries(rec.training)) cancels.push({ shard, stage, worker: a.worker, taskId: a.taskId, reason: 'the run was deleted' });
  }
  const backbone = views.backbone(run)?.value;
  if (backbone?.digest !== undefined) digests.add(backbone.digest);
  if (backbone?.state === 'training' && backbone.taskId !== undefined && backbone.worker !== undefined) cancels.push({ worker: backbone.worker, taskId: backbone.taskId, reason: 'the run was deleted' });
  const models: string[] = [];
  const original = views.mirror.get(jobKeys(views.keys.prefix).original(run));
  const originalArtifact = original === undefined ? '' : ((JSON.parse(original.value) as { artifact?: string }).artifact ?? '');
  if (originalArtifact !== '') models.push(originalArtifact);
  for (const key of views.mirror.keys(jobKeys(views.keys.prefix).jobs())) {
    if (!key.endsWith('/spec')) continue;
    const spec = JobSpecSchema.safeParse(JSON.parse(views.mirror.get(key)?.value ?? '{}'));
    if (!spec.success || spec.data.run.name !== run) continue;
    const status = JobStatusSchema.safeParse(JSON.parse(views.mirror.get(key.replace(/\/spec$/, '/status'))?.value ?? '{}'));
    if (status.success && status.data.resultArtifact !== '') models.push(status.data.resultArtifact);
  }
  for (const m of models) {
    digests.add(m);
    const list = await idListOf(deps.artifacts, m);
    if (list !== '') digests.add(list);
  }
  return { digests, cancels };
}

/** Keys deleted per transaction (etcd allows 128 operations in one). */
const BATCH = 100;

/**
 * Deletes a run: one fenced transaction removes its spec and writes a marker kept forever (the run vanishes from
 * every view at once, a lagging replica sees the change through the marker, and the id is never reused, so its
 * placement salt never serves two datasets); then its in-flight tasks are cancelled, every artifact trained for it
 * is deleted (stages and their id lists, the backbone, the original model, job results) unless another run holds
 * the same blob (artifacts are content-addressed), and its remaining keys are removed.
 */
export async function deleteRun(deps: RunDeletionDeps, run: string, by = ''): Promise<{ artifacts: number; keys: number }> {
  const { views, writer } = deps;
  if (views.run(run) === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${run}' not found`);
  const { digests, cancels } = await referencedBy(deps, run);
  const elsewhere = new Set<string>();
  for (const other of views.runNames()) if (other !== run) for (const d of (await referencedBy(deps, other)).digests) elsewhere.add(d);
  const originalKey = jobKeys(views.keys.prefix).original(run);
  const spec = views.mirror.get(views.keys.runSpec(run));
  const rev = await writer.write(
    spec === undefined ? [] : [{ key: spec.key, target: 'modRevision', op: '==', value: spec.modRevision }],
    [
      { key: views.keys.runDeleted(run), value: JSON.stringify({ deletedAt: new Date().toISOString() }) },
      auditPut(views.keys, 'run.delete', `runs/${run}`, { by }),
      // The original model's record becomes a marker too: a job's worker cannot record a new one over it.
      { key: originalKey, value: JSON.stringify({ invalidatedBy: 'run deleted', artifact: '', excludedCount: 0, excludedHash: '', backboneArtifact: '', trainedAt: '' }) },
    ],
    [views.keys.runSpec(run)],
  );
  if (rev === null) throw new LetheError(ErrorCode.REVISION_CONFLICT, `run '${run}' changed while it was being deleted; retry`);
  deps.cancel(cancels);
  deps.announce?.(run);
  let purged = 0;
  for (const d of digests) {
    if (elsewhere.has(d) || !(await deps.artifacts.has(d))) continue;
    await deps.artifacts.delete(d);
    purged++;
  }
  const rest = views.mirror.keys(views.keys.run(run)).filter((k) => k !== views.keys.runDeleted(run));
  for (let i = 0; i < rest.length; i += BATCH) await writer.write([], [], rest.slice(i, i + BATCH));
  deps.logger.info({ run, artifacts: purged, keys: rest.length, cancelled: cancels.length }, 'run deleted: state and artifacts removed');
  return { artifacts: purged, keys: rest.length };
}
