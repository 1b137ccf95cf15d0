import { resolveDataUri } from '../../../shared/src/ml/data/data-roots.js';
import { auditPut } from '../audit/audit-log.js';
import { createHash, randomUUID } from 'node:crypto';
import { bmsSelect } from '../../../shared/src/domain/bms.js';
import { cyclicSelect } from '../../../shared/src/domain/cyclic.js';
import { RUN_ID, parseRunName } from '../../../shared/src/domain/names.js';
import { newSampleIdKey } from '../../../shared/src/domain/sample-digest.js';
import { parseRunSpec } from '../../../shared/src/domain/run-spec.js';
import { quote, requireRequestId } from '../../../shared/src/domain/validate.js';
import { ErrorCode, LetheError, invalidArgument } from '../../../shared/src/errors/errors.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { FencedWriter, Put } from '../state/fenced-writer.js';
import type { RunRecord } from '../state/records.js';
import { shardBody, shardCompares, type RunViews } from '../state/run-views.js';
import { shardRecordOf } from './stage-state.js';
import { retryFailed } from '../../../shared/src/domain/shard-machine.js';
import type { Compare } from '../../../shared/src/ports/state-store.js';
import { runSamples } from './run-catalog.js';

/** Writes per RetryRun transaction: a shard's is 2 compares and 1 put (the backbone's 1 and 1); with the audit event and the leader fence, within stock etcd's 128 operations. */
const RETRY_SHARDS_PER_TXN = 40;

export interface RunServiceDeps {
  readonly views: RunViews;
  readonly writer: FencedWriter;
  readonly logger: Logger;
  /** Directories file datasets may be read from. */
  readonly dataRoots: readonly string[];
  /** Called after a run is created or cancelled, so the scheduler acts on it. */
  readonly onCreated?: (run: string) => void;
}

/** Parses "runs/{id}" (or a bare id) and checks the run exists. */
export function runIdOf(views: RunViews, name: unknown, field = 'run'): string {
  const id = parseRunName(name, field);
  if (views.run(id) === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${id}' not found`);
  return id;
}

/** What a CreateRun request asked for, as a digest: a request id replayed with another request is refused. */
function createFingerprint(runId: string, spec: unknown): string {
  return createHash('sha256').update(JSON.stringify({ runId, spec })).digest('hex');
}

interface CreateRequestRecord {
  readonly run: string;
  /** Absent on records written before fingerprints existed: those replay without a check. */
  readonly fingerprint?: string;
}

/** Creates runs: validates the spec, loads the data, places samples, plans orderings, records it in one write. */
export class RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  async createRun(rawRequestId: unknown, runId: string, specInput: unknown, by = ''): Promise<{ run: string; created: boolean }> {
    const requestId = requireRequestId(rawRequestId);
    if (runId.length > 63 || (runId !== '' && !RUN_ID.test(runId))) throw invalidArgument(`run_id must be a lowercase DNS-style id (a-z, 0-9, -; at most 63 characters), got ${quote(runId)}`, { field: 'run_id' });
    const requested = parseRunSpec(specInput);
    const id = runId === '' ? `run-${randomUUID().slice(0, 8)}` : runId;
    const fingerprint = createFingerprint(runId, requested);
    const keys = this.deps.views.keys;
    if (requestId !== '') {
      const prior = this.existing(requestId, fingerprint);
      if (prior !== undefined) return { run: prior, created: false };
    }
    if (this.deps.views.run(id) !== undefined) throw new LetheError(ErrorCode.ALREADY_EXISTS, `run '${id}' already exists`);
    if (this.deps.views.mirror.get(keys.runDeleted(id)) !== undefined) throw new LetheError(ErrorCode.ALREADY_EXISTS, `run '${id}' was deleted; run ids are never reused (its placement salt is the id): choose another`);
    const salt = id;
    // A file is read only once its path resolved inside a data root; the run records the real path it read.
    const located = requested.dataset.uri === undefined ? requested : { ...requested, dataset: { ...requested.dataset, uri: resolveDataUri(requested.dataset.uri, this.deps.dataRoots) } };
    const samples = runSamples(id, salt, located);
    // A file dataset is named by its content from now on: workers refuse a file that changed.
    const spec = samples.dataset.contentDigest === undefined ? located : { ...located, dataset: { ...located.dataset, sha256: samples.dataset.contentDigest } };
    if (samples.dataset.task !== spec.dataset.task) throw invalidArgument(`dataset.task is ${spec.dataset.task}, but ${samples.dataset.name} is a ${samples.dataset.task} dataset`, { field: 'dataset.task' });
    const orderings =
      spec.selection === 'cyclic'
        ? cyclicSelect(spec.slices, spec.budget)
        : bmsSelect({ prior: spec.prior ?? Array.from({ length: spec.slices }, () => 1 / spec.slices), horizon: spec.horizon, budget: spec.budget, seed: spec.seed });
    const sliceSizes = Array.from({ length: spec.shards }, () => new Array<number>(spec.slices).fill(0));
    for (const row of samples.dataset.split.user) {
      const p = samples.place(samples.dataset.ids[row] as string);
      (sliceSizes[p.shard] as number[])[p.slice] = ((sliceSizes[p.shard] as number[])[p.slice] ?? 0) + 1;
    }
    // Every slice must hold user data: a stage on an empty cumulative slice set has nothing to train on.
    sliceSizes.forEach((sizes, shard) => {
      const slice = sizes.indexOf(0);
      if (slice >= 0) {
        throw invalidArgument(`invalid run spec: shards: slice ${slice} of shard ${shard} would be empty: ${samples.dataset.split.user.length} user samples cannot fill ${spec.shards} × ${spec.slices} slices; use fewer shards or slices`, { field: 'spec.shards' });
      }
    });
    const record: RunRecord = {
      name: `runs/${id}`,
      spec,
      salt,
      orderings: orderings.map((o) => [...o]),
      createTime: new Date().toISOString(),
      userSamples: samples.dataset.split.user.length,
      publicSamples: samples.dataset.split.public.length,
      sliceSizes,
      sampleIdKey: newSampleIdKey(),
    };
    const puts = [
      { key: keys.runSpec(id), value: JSON.stringify(record) },
      { key: keys.backbone(id), value: JSON.stringify({ state: 'pending' }) },
      ...(requestId === '' ? [] : [{ key: keys.createRequest(requestId), value: JSON.stringify({ run: id, fingerprint } satisfies CreateRequestRecord) }]),
      auditPut(keys, 'run.create', `runs/${id}`, { shards: spec.shards, slices: spec.slices, budget: spec.budget, by }),
    ];
    const compare = [
      { key: keys.runSpec(id), target: 'createRevision' as const, op: '==' as const, value: 0 },
      { key: keys.runDeleted(id), target: 'createRevision' as const, op: '==' as const, value: 0 },
      ...(requestId === '' ? [] : [{ key: keys.createRequest(requestId), target: 'createRevision' as const, op: '==' as const, value: 0 }]),
    ];
    const revision = await this.deps.writer.write(compare, puts);
    if (revision === null) {
      const prior = requestId === '' ? undefined : this.existing(requestId, fingerprint);
      if (prior !== undefined) return { run: prior, created: false };
      throw new LetheError(ErrorCode.ALREADY_EXISTS, `run '${id}' already exists`);
    }
    this.deps.logger.info({ run: id, shards: spec.shards, slices: spec.slices, budget: spec.budget, revision }, 'run created');
    this.deps.onCreated?.(id);
    return { run: id, created: true };
  }

  /**
   * Cancels a run's training (AIP-151 CancelOperation on its creation): a marker written once, fenced, never
   * removed. The scheduler then takes back every assignment of the run (its workers are told to stop, late results
   * are discarded) and assigns nothing more for it. What it committed keeps serving, and deletions keep applying
   * (stages they taint are deactivated, not retrained). Cancelling a cancelled run changes nothing.
   */
  async cancelRun(run: string, by = ''): Promise<void> {
    const keys = this.deps.views.keys;
    if (this.deps.views.run(run) === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${run}' not found`);
    if (this.deps.views.cancelled(run)) return;
    const revision = await this.deps.writer.write(
      [
        { key: keys.runSpec(run), target: 'createRevision' as const, op: '>' as const, value: 0 },
        { key: keys.runCancelled(run), target: 'createRevision' as const, op: '==' as const, value: 0 },
      ],
      [{ key: keys.runCancelled(run), value: JSON.stringify({ cancelledAt: new Date().toISOString() }) }, auditPut(keys, 'run.cancel', `runs/${run}`, { by })],
    );
    if (revision === null && !this.deps.views.cancelled(run)) {
      // The run was deleted meanwhile (or the cancel raced another): report what is true now.
      if (this.deps.views.run(run) === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${run}' not found`);
    }
    this.deps.logger.info({ run, revision }, 'run training cancelled');
    this.deps.onCreated?.(run);
  }

  /**
   * RetryRun: every stage waiting on failed tries (FAILED or backing off; retryFailed, per shard) and a backbone
   * FAILED or backing off get fresh tries, at once. Each shard is
   * written with CAS on the record it was read at, in transactions of RETRY_SHARDS_PER_TXN shards (the backbone and
   * the audit event go with the last); a record that changed meanwhile is ABORTED, retryable: what was written
   * stays written, and retrying again finishes the rest. Returns how many stages, and whether the backbone, got them.
   */
  async retryFailed(run: string, by = ''): Promise<{ stages: number; backbone: boolean }> {
    const { views } = this.deps;
    const record = views.run(run);
    if (record === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${run}' not found`);
    if (views.cancelled(run)) throw new LetheError(ErrorCode.FAILED_PRECONDITION, `run '${run}' was cancelled: it trains nothing more, so there is nothing to retry`);
    const writes: { compares: Compare[]; puts: Put[] }[] = [];
    let stages = 0;
    for (let shard = 0; shard < record.spec.shards; shard++) {
      const stored = shardRecordOf(views, run, record, shard);
      const t = retryFailed(stored.value);
      if (t.record === stored.value) continue;
      stages += Object.keys(stored.value.failures).length - Object.keys(t.record.failures).length;
      writes.push({ compares: shardCompares(views.keys, run, shard, stored), puts: [{ key: views.keys.shard(run, shard), value: shardBody(t.record) }] });
    }
    const b = views.backbone(run);
    // FAILED, or pending behind a backoff; one in training keeps its count (its try is under way).
    const backbone = b !== undefined && (b.value.state === 'failed' || (b.value.state === 'pending' && b.value.attempts > 0));
    if (b !== undefined && backbone) {
      const key = views.keys.backbone(run);
      writes.push({ compares: [{ key, target: 'modRevision', op: '==', value: b.modRevision }], puts: [{ key, value: JSON.stringify({ state: 'pending', attempts: 0 }) }] });
    }
    if (writes.length === 0) return { stages: 0, backbone: false };
    for (let i = 0; i < writes.length; i += RETRY_SHARDS_PER_TXN) {
      const part = writes.slice(i, i + RETRY_SHARDS_PER_TXN);
      const last = i + RETRY_SHARDS_PER_TXN >= writes.length;
      const audit = last ? [auditPut(views.keys, 'run.retry', `runs/${run}`, { stages, backbone, by })] : [];
      const revision = await this.deps.writer.write(part.flatMap((w) => w.compares), [...part.flatMap((w) => w.puts), ...audit]);
      if (revision === null) throw new LetheError(ErrorCode.REVISION_CONFLICT, `run '${run}' changed while its failed stages were being retried; retry the request`);
    }
    this.deps.logger.info({ run, stages, backbone, by }, 'stages with failed tries given fresh ones');
    this.deps.onCreated?.(run);
    return { stages, backbone };
  }

  /** The run an earlier CreateRun with this request id created (AIP-155); ALREADY_EXISTS if it asked for another. */
  private existing(requestId: string, fingerprint: string): string | undefined {
    const kv = this.deps.views.mirror.get(this.deps.views.keys.createRequest(requestId));
    if (kv === undefined) return undefined;
    const prior = JSON.parse(kv.value) as CreateRequestRecord;
    if (prior.fingerprint !== undefined && prior.fingerprint !== fingerprint) {
      throw new LetheError(ErrorCode.ALREADY_EXISTS, `request_id ${quote(requestId, 40)} was already used by a different CreateRun (it created run '${prior.run}'); use a new request_id`, { details: { field: 'request_id', run: prior.run } });
    }
    return prior.run;
  }
}
