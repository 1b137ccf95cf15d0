import { auditPut } from '../audit/audit-log.js';
import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode, LetheError, invalidArgument } from '../../../shared/src/errors/errors.js';
import { deriveSeed } from '../../../shared/src/domain/rng.js';
import { sampleIdDigest } from '../../../shared/src/domain/sample-digest.js';
import { quote, requireBoundedString, requireRequestId } from '../../../shared/src/domain/validate.js';
import { parseRunName } from '../../../shared/src/domain/names.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { ArtifactStore } from '../../../shared/src/ports/artifact-store.js';
import type { JobQueue } from '../../../shared/src/ports/job-queue.js';
import type { StateStore } from '../../../shared/src/ports/state-store.js';
import { decodeArtifact, encodeSampleList } from '../../../shared/src/ml/artifact-codec.js';
import { trainedIds } from '../../../shared/src/ml/run-model.js';
import { jobRows, type ForgetSelector } from '../../../shared/src/ml/unlearning/forget-set.js';
import { checkTask, findMethod, labelFreeMethods, parseMethodParams } from '../../../shared/src/ml/unlearning/registry.js';
import {
  JOB_STATES,
  JobSpecSchema,
  JobStatusSchema,
  isTerminal,
  jobKeys,
  parseJson,
  pendingStatus,
  readJob,
  type JobSpec,
  type JobState,
  type JobStatus,
  type StoredForget,
} from '../../../shared/src/jobs/records.js';
import type { FencedWriter } from '../state/fenced-writer.js';
import type { RunViews } from '../state/run-views.js';
import { runSamples } from '../runs/run-catalog.js';

/** Most ids a forget set may name in one request (the request itself stays far below gRPC's 4 MiB). */
export const MAX_FORGET_IDS = 100_000;
export const MAX_SAMPLE_ID_LENGTH = 256;
/** Longest encoded parameters object. */
export const MAX_PARAMETERS_BYTES = 16_384;
export const MAX_PAGE_SIZE = 1000;
/** A pending job older than this with no delivery is enqueued again (a crash between record and enqueue). */
const REENQUEUE_AFTER_MS = 5000;

export interface SubmitJobInput {
  readonly requestId: unknown;
  readonly method: string;
  readonly model: unknown;
  readonly forget: { readonly classLabel?: number; readonly ids?: readonly unknown[]; readonly unlabelled?: boolean } | null;
  readonly parameters: unknown;
  /** The authenticated caller, recorded in the audit log. */
  readonly by?: string;
}

export interface JobView {
  readonly spec: JobSpec;
  readonly status: JobStatus;
}

export interface JobServiceDeps {
  readonly store: StateStore;
  readonly writer: FencedWriter;
  readonly views: RunViews;
  readonly artifacts: ArtifactStore;
  /** Absent: this coordinator runs no approximate jobs (submit answers FAILED_PRECONDITION). */
  readonly queue: JobQueue | undefined;
  readonly logger: Logger;
  readonly prefix: string;
  /** Runs that may end without a result before a job fails (the queue's max_deliver). @default 3 */
  readonly maxAttempts?: number;
}

const JOB_ID = /^j[0-9a-f]{16}$/;

/** "jobs/<id>" → id, INVALID_ARGUMENT otherwise. */
export function jobIdOf(name: unknown, field = 'name'): string {
  const n = requireBoundedString(field, name, 64, 1);
  const id = n.startsWith('jobs/') ? n.slice(5) : '';
  if (!JOB_ID.test(id)) throw invalidArgument(`${field} must be "jobs/<id>" as SubmitUnlearningJob returned it; got ${quote(n, 64)}`, { field });
  return id;
}

/**
 * Approximate unlearning jobs on the coordinator: validates and records a submission (idempotent by request id),
 * enqueues it on the work queue, answers reads from etcd (workers write a running job's status), cancels, and while
 * leading repairs the queue: a recorded job whose enqueue was lost is enqueued again, and a dead-lettered one fails.
 */
export class JobService {
  private readonly keys;
  private readonly maxAttempts: number;

  constructor(private readonly deps: JobServiceDeps) {
    this.keys = jobKeys(deps.prefix);
    this.maxAttempts = deps.maxAttempts ?? 3;
  }

  private forgetOf(f: SubmitJobInput['forget']): ForgetSelector {
    if (f === null || (f.classLabel === undefined && f.ids === undefined)) throw invalidArgument('forget is required: a class_label or sample_ids', { field: 'forget' });
    if (f.classLabel !== undefined) return { kind: 'class', label: f.classLabel };
    const ids = f.ids ?? [];
    if (ids.length === 0) throw invalidArgument('forget.sample_ids must name at least one sample', { field: 'forget.sample_ids' });
    if (ids.length > MAX_FORGET_IDS) throw invalidArgument(`forget.sample_ids has ${ids.length} ids; at most ${MAX_FORGET_IDS}`, { field: 'forget.sample_ids' });
    return { kind: 'ids', ids: ids.map((id, i) => requireBoundedString(`forget.sample_ids[${i}]`, id, MAX_SAMPLE_ID_LENGTH, 1)) };
  }

  async submit(input: SubmitJobInput): Promise<JobView> {
    const requestId = requireRequestId(input.requestId);
    const method = findMethod(input.method);
    if (method === undefined) throw new LetheError(ErrorCode.UNIMPLEMENTED, `method ${quote(input.method, 64)} is not available in this version`, { details: { field: 'method' } });
    const parametersJson = JSON.stringify(input.parameters ?? {});
    if (parametersJson.length > MAX_PARAMETERS_BYTES) throw invalidArgument(`parameters take ${parametersJson.length} bytes; at most ${MAX_PARAMETERS_BYTES}`, { field: 'parameters' });
    const parameters = parseMethodParams(method, input.parameters ?? {});
    const forget = this.forgetOf(input.forget);
    if (method.forgets === 'class' && forget.kind !== 'class') throw invalidArgument(`method ${method.name} forgets whole classes: give forget.class_label, not sample ids`, { field: 'forget' });
    const unlabelled = input.forget?.unlabelled === true;
    if (unlabelled && forget.kind === 'class') throw invalidArgument('forget.unlabelled: a class_label is a label; give sample ids', { field: 'forget.unlabelled' });
    if (unlabelled && method.needsLabels) {
      throw invalidArgument(`method ${method.name} needs labels and forget.unlabelled is set; label-free methods: ${labelFreeMethods().join(', ')}`, { field: 'forget.unlabelled' });
    }
    const model = requireBoundedString('model', input.model, 256, 1);
    const { run, modelArtifact, trainIds } = await this.resolveModel(model);
    const record = this.deps.views.run(run);
    if (record === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${run}' not found`);
    const backbone = this.deps.views.backbone(run)?.value;
    if (backbone?.state !== 'ready' || backbone.digest === undefined) throw new LetheError(ErrorCode.FAILED_PRECONDITION, `run '${run}' has no trained backbone yet (state ${backbone?.state ?? 'pending'}); submit once it is ready`);
    const snapshotRevision = this.deps.views.mirror.revision;
    const excluded = new Set<string>();
    for (let shard = 0; shard < record.spec.shards; shard++) for (const d of this.deps.views.tombstones(run, shard)) excluded.add(d);
    // The forget set must lie inside the model's training data: the run's user data that is not deleted (or the
    // named model's training ids).
    const samples = runSamples(run, record.salt, record.spec);
    const d = samples.dataset;
    checkTask(method, d.task);
    const isTrain = (row: number): boolean => {
      const id = d.ids[row] as string;
      return (trainIds === undefined ? samples.userRows.has(row) : trainIds.has(id)) && !excluded.has(sampleIdDigest(record.sampleIdKey, id));
    };
    const trainRows = Array.from(d.split.user).filter(isTrain);
    if (forget.kind === 'ids') {
      for (const id of forget.ids) {
        const row = samples.rowOf.get(id);
        if (row !== undefined && samples.userRows.has(row) && excluded.has(sampleIdDigest(record.sampleIdKey, id))) {
          throw invalidArgument(`forget.sample_ids: ${quote(id)} was deleted from run '${run}'; it is in no model`, { field: 'forget.sample_ids' });
        }
      }
    }
    // Class selection reads the index's labels (the coordinator holds no features).
    const labels = d.labels;
    const labelOf = labels === undefined ? undefined : (r: number): number => labels[r] as number;
    const rows = jobRows(d, trainRows, forget, labelOf);
    if (rows.retain.length === 0) throw invalidArgument('forget: the forget set is the whole training set; nothing would remain', { field: 'forget' });

    // Ids go to the artifact store as one content-addressed list (a 100,000-id set would not fit an etcd value).
    const stored: StoredForget = forget.kind === 'class' ? forget : { kind: 'ids', list: await this.deps.artifacts.put(encodeSampleList([...new Set(forget.ids)])) };
    const fingerprint = createHash('sha256').update(JSON.stringify({ method: method.name, model, forget: stored, unlabelled, parameters })).digest('hex');
    const id = `j${randomBytes(8).toString('hex')}`;
    const spec: JobSpec = JobSpecSchema.parse({
      id,
      requestId,
      fingerprint,
      method: method.name,
      parameters,
      model,
      ...(modelArtifact === undefined ? {} : { modelArtifact }),
      run: { name: run, specJson: JSON.stringify(record.spec), backboneArtifact: backbone.digest, sampleIdKey: record.sampleIdKey, excluded: [...excluded].sort(), revision: snapshotRevision },
      forget: stored,
      forgetUnlabelled: unlabelled,
      forgetCount: rows.forget.length,
      // One seed per model and forget set, whatever the method: jobs compared on a scenario shuffle alike (ℓ1-sparse
      // against FT differs by its ℓ1 term only), and a resubmission reproduces its figures.
      seed: deriveSeed(record.spec.seed, 'job', model, JSON.stringify(stored)),
      maxAttempts: this.maxAttempts,
      evaluate: true,
      createTime: new Date().toISOString(),
    });
    const status = pendingStatus();
    const puts = [
      { key: this.keys.spec(id), value: JSON.stringify(spec) },
      { key: this.keys.status(id), value: JSON.stringify(status) },
      auditPut(this.deps.views.keys, 'job.submit', `jobs/${id}`, { method: method.name, model, forget: rows.forget.length, by: input.by ?? '' }),
    ];
    if (requestId !== '') {
      const reqKey = this.keys.request(requestId);
      const rev = await this.deps.writer.write([{ key: reqKey, target: 'createRevision', op: '==', value: 0 }], [...puts, { key: reqKey, value: JSON.stringify({ job: id, fingerprint }) }]);
      if (rev === null) {
        const prior = await this.deps.store.get(reqKey);
        const p = prior === null ? null : (JSON.parse(prior.value) as { job: string; fingerprint: string });
        if (p === null) throw new LetheError(ErrorCode.REVISION_CONFLICT, 'request id changed during submit; retry');
        if (p.fingerprint !== fingerprint) throw new LetheError(ErrorCode.ALREADY_EXISTS, `request_id ${quote(requestId)} was already used for a different job (jobs/${p.job})`, { details: { field: 'request_id' } });
        return this.get(`jobs/${p.job}`);
      }
    } else {
      await this.deps.writer.write([], puts);
    }
    await this.enqueue(id);
    this.deps.logger.info({ job: id, method: method.name, model, forget: rows.forget.length }, 'unlearning job submitted');
    return { spec, status };
  }

  private async enqueue(id: string): Promise<void> {
    if (this.deps.queue === undefined) throw new LetheError(ErrorCode.FAILED_PRECONDITION, 'this coordinator has no job queue configured (NATS JetStream)');
    try {
      await this.deps.queue.enqueue(id, { job: id });
    } catch (err) {
      // Recorded but not queued: the leader's repair pass enqueues it again.
      this.deps.logger.warn({ err, job: id }, 'job recorded but not enqueued yet; the repair pass retries');
    }
  }

  /** "runs/<run>[/models/original]" or the digest of a model artifact (an earlier job's result or a run's original). */
  private async resolveModel(model: string): Promise<{ run: string; modelArtifact?: string; trainIds?: ReadonlySet<string> }> {
    // "runs/<run>" and "runs/<run>/models/original" both name the run's original model.
    if (model.startsWith('runs/')) return { run: parseRunName(model.replace(/\/models\/original$/, ''), 'model') };
    if (!/^[0-9a-f]{64}$/.test(model)) throw invalidArgument(`model must be "runs/<run>" or a model artifact's sha256 digest; got ${quote(model, 80)}`, { field: 'model' });
    if (!(await this.deps.artifacts.has(model))) throw new LetheError(ErrorCode.NOT_FOUND, `no artifact ${model}`, { details: { field: 'model' } });
    const manifest = decodeArtifact(await this.deps.artifacts.get(model)).manifest;
    if (manifest.kind !== 'model') throw invalidArgument(`artifact ${model} is a ${manifest.kind}, not a model`, { field: 'model' });
    return { run: manifest.run, modelArtifact: model, trainIds: new Set(await trainedIds(this.deps.artifacts, manifest.sampleIdsHash)) };
  }

  async get(name: unknown): Promise<JobView> {
    const id = jobIdOf(name);
    const job = await readJob(this.deps.store, this.keys, id);
    if (job === null) throw new LetheError(ErrorCode.NOT_FOUND, `job 'jobs/${id}' not found`);
    return { spec: job.spec, status: job.status };
  }

  /** Jobs in creation order (newest last), `pageSize` at a time; the token is the last job id of the page. */
  async list(o: { pageSize: number; pageToken: string; state?: JobState }): Promise<{ jobs: JobView[]; nextPageToken: string }> {
    if (!Number.isInteger(o.pageSize) || o.pageSize < 0 || o.pageSize > MAX_PAGE_SIZE) throw invalidArgument(`page_size must be in [0, ${MAX_PAGE_SIZE}]`, { field: 'page_size' });
    if (o.pageToken !== '' && !JOB_ID.test(o.pageToken)) throw invalidArgument('page_token is not one this API returned', { field: 'page_token' });
    const size = o.pageSize === 0 ? 100 : o.pageSize;
    const { kvs } = await this.deps.store.list(this.keys.jobs());
    const specs = new Map<string, JobSpec>();
    const statuses = new Map<string, JobStatus>();
    for (const kv of kvs) {
      const [id, part] = kv.key.slice(this.keys.jobs().length).split('/');
      if (id === undefined) continue;
      if (part === 'spec') specs.set(id, parseJson(JobSpecSchema, kv.value, 'job spec'));
      else if (part === 'status') statuses.set(id, parseJson(JobStatusSchema, kv.value, 'job status'));
    }
    const all = [...specs.values()]
      .filter((s) => statuses.has(s.id))
      .map((spec) => ({ spec, status: statuses.get(spec.id) as JobStatus }))
      .filter((j) => o.state === undefined || j.status.state === o.state)
      .sort((a, b) => a.spec.createTime.localeCompare(b.spec.createTime) || a.spec.id.localeCompare(b.spec.id));
    const start = o.pageToken === '' ? 0 : all.findIndex((j) => j.spec.id === o.pageToken) + 1;
    const page = all.slice(start, start + size);
    return { jobs: page, nextPageToken: start + size < all.length ? (page[page.length - 1]?.spec.id ?? '') : '' };
  }

  /** A pending job is cancelled at once; a running one is marked and its worker stops it within a heartbeat. */
  async cancel(name: unknown, by = ''): Promise<JobView> {
    const id = jobIdOf(name);
    for (let attempt = 0; attempt < 10; attempt++) {
      const kv = await this.deps.store.get(this.keys.status(id));
      if (kv === null) throw new LetheError(ErrorCode.NOT_FOUND, `job 'jobs/${id}' not found`);
      const s = parseJson(JobStatusSchema, kv.value, 'job status');
      if (isTerminal(s.state)) return this.get(`jobs/${id}`);
      const next: JobStatus = s.state === 'PENDING' ? { ...s, state: 'CANCELLED', cancelRequested: true, endTime: new Date().toISOString() } : { ...s, state: 'CANCELLING', cancelRequested: true };
      const rev = await this.deps.writer.write([{ key: kv.key, target: 'modRevision', op: '==', value: kv.modRevision }], [{ key: kv.key, value: JSON.stringify(next) }, auditPut(this.deps.views.keys, 'job.cancel', `jobs/${id}`, { from: s.state, by })]);
      if (rev !== null) {
        this.deps.logger.info({ job: id, from: s.state, by }, 'job cancel requested');
        return this.get(`jobs/${id}`);
      }
    }
    throw new LetheError(ErrorCode.REVISION_CONFLICT, `job 'jobs/${id}' kept changing; retry the cancel`);
  }

  /**
   * The leader's repair pass: pending jobs older than a few seconds are enqueued again (the queue drops duplicates
   * of a job it still holds, and a worker drops deliveries of finished jobs), and dead-lettered jobs fail.
   */
  async repair(now = Date.now()): Promise<void> {
    if (this.deps.queue === undefined) return;
    const { jobs } = await this.list({ pageSize: MAX_PAGE_SIZE, pageToken: '', state: 'PENDING' });
    for (const j of jobs) if (now - Date.parse(j.spec.createTime) > REENQUEUE_AFTER_MS) await this.deps.queue.enqueue(j.spec.id, { job: j.spec.id }).catch(() => undefined);
    for (const dead of await this.deps.queue.deadLetters()) {
      const kv = await this.deps.store.get(this.keys.status(dead.id));
      if (kv === null) continue;
      const s = parseJson(JobStatusSchema, kv.value, 'job status');
      if (isTerminal(s.state)) continue;
      const failed: JobStatus = { ...s, state: 'FAILED', failure: `delivered ${dead.deliveries} times without finishing (max_deliver)`, endTime: new Date(now).toISOString() };
      await this.deps.writer.write([{ key: kv.key, target: 'modRevision', op: '==', value: kv.modRevision }], [{ key: kv.key, value: JSON.stringify(failed) }]);
    }
  }
}

export const jobStates = JOB_STATES;
