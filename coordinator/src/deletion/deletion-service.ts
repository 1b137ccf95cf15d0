import { createHmac, randomBytes } from 'node:crypto';
import { parseDeletionName } from '../../../shared/src/domain/names.js';
import { sampleIdDigest } from '../../../shared/src/domain/sample-digest.js';
import { quote, requireBoundedString, requireRequestId } from '../../../shared/src/domain/validate.js';
import { ErrorCode, LetheError, invalidArgument } from '../../../shared/src/errors/errors.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { Compare } from '../../../shared/src/ports/state-store.js';
import type { EventBus } from '../../../shared/src/ports/event-bus.js';
import type { FencedWriter, Put } from '../state/fenced-writer.js';
import { deleteSlices, stageState, type StageStateName } from '../../../shared/src/domain/shard-machine.js';
import { ReceiptSchema, type DeletionRecord, type Receipt, type RunRecord } from '../state/records.js';
import type { RunViews } from '../state/run-views.js';
import { runSamples, type RunSamples } from '../runs/run-catalog.js';
import { runIdOf } from '../runs/run-service.js';
import { shardRecordOf } from '../runs/stage-state.js';

/** Most ids one request may name; larger deletions are split by the caller. */
export const MAX_IDS_PER_REQUEST = 100_000;
export const MAX_ID_LENGTH = 512;
/** Largest ListDeletions page. */
export const MAX_DELETIONS_PAGE = 1000;
const CAS_RETRIES = 20;

export interface DeletionServiceDeps {
  readonly views: RunViews;
  readonly writer: FencedWriter;
  readonly events: EventBus;
  readonly logger: Logger;
  /**
   * After a deletion commits: the in-flight tasks it made stale (to cancel on their workers) and a wake-up for the
   * scheduler, so retraining of the deactivated stages starts at once.
   */
  readonly onDeleted?: (run: string, cancels: readonly StageCancel[]) => void;
}

/** An in-flight task a deletion took back: its worker is told to stop. */
export interface StageCancel {
  readonly shard?: number;
  readonly stage?: string;
  readonly worker: string;
  readonly taskId: string;
  readonly reason: string;
}

export interface SampleLocation {
  readonly sampleId: string;
  readonly shard: number;
  readonly slice: number;
  readonly deleted: boolean;
  readonly public: boolean;
  readonly test: boolean;
  readonly stages: readonly { shard: number; ordering: number; stage: number; state: StageStateName }[];
}

/**
 * What a DeleteSamples request asked for: a keyed digest (the run's sample-id key) of its set of ids, order and
 * repeats ignored. Keyed, because it is stored with the request id and must not let anyone test guessed ids.
 */
function deletionFingerprint(key: string, ids: readonly string[]): string {
  const h = createHmac('sha256', Buffer.from(key, 'hex'));
  for (const id of [...new Set(ids)].sort()) h.update(id).update('\u0000');
  return h.digest('hex');
}

interface RequestRecord {
  readonly deletion: string;
  /** Absent on records written before fingerprints existed: those replay without a check. */
  readonly fingerprint?: string;
}

function validateIds(ids: readonly unknown[]): string[] {
  if (ids.length === 0) throw invalidArgument('sample_ids must not be empty', { field: 'sample_ids' });
  if (ids.length > MAX_IDS_PER_REQUEST) {
    throw invalidArgument(`sample_ids has ${ids.length} ids; at most ${MAX_IDS_PER_REQUEST} per request`, { field: 'sample_ids' });
  }
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0) throw invalidArgument(`sample_ids[${i}] is empty`, { field: 'sample_ids' });
    if (id.length > MAX_ID_LENGTH) throw invalidArgument(`sample_ids[${i}] is longer than ${MAX_ID_LENGTH} characters`, { field: 'sample_ids' });
    // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(id)) throw invalidArgument(`sample_ids[${i}] contains control characters`, { field: 'sample_ids' });
  });
  return ids as string[];
}

/**
 * The deletion path. One fenced etcd transaction writes the deletion record (the tombstones), bumps the
 * generations of the touched slices — which deactivates every stage that trained on them and makes any
 * in-flight result on them stale — and records the receipt under the request id. Nothing is written when any
 * id is invalid. Retraining is scheduled right after.
 */
export class DeletionService {
  constructor(private readonly deps: DeletionServiceDeps) {}

  async deleteSamples(rawRequestId: unknown, runName: unknown, rawIds: readonly unknown[]): Promise<Receipt> {
    const { views } = this.deps;
    const requestId = requireRequestId(rawRequestId);
    const run = runIdOf(views, runName);
    const record = views.run(run);
    if (record === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${run}' not found`);
    const ids = validateIds(rawIds);
    const fingerprint = deletionFingerprint(record.sampleIdKey, ids);
    if (requestId !== '') {
      const prior = this.receiptFor(run, requestId, fingerprint);
      if (prior !== undefined) return prior;
    }
    const samples = runSamples(run, record.salt, record.spec);
    const unknown = ids.filter((id) => {
      const row = samples.rowOf.get(id);
      return row === undefined || !samples.userRows.has(row);
    });
    if (unknown.length > 0) {
      const shown = unknown.slice(0, 5).map((id) => quote(id, 64)).join(', ');
      throw invalidArgument(`${unknown.length} sample id(s) are not user data of run '${run}': ${shown}${unknown.length > 5 ? ', ...' : ''}`, { field: 'sample_ids' });
    }
    const distinct = [...new Set(ids)];
    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      const result = await this.tryDelete(run, record, samples, requestId, fingerprint, distinct);
      if (result !== null) return result;
      if (requestId !== '') {
        const prior = this.receiptFor(run, requestId, fingerprint);
        if (prior !== undefined) return prior;
      }
    }
    throw new LetheError(ErrorCode.REVISION_CONFLICT, `deletion in run '${run}' kept conflicting with concurrent writes; retry`);
  }

  /**
   * One attempt at the deletion transaction over the mirror's current state; null when a compare failed (a
   * concurrent write to a touched shard or the same request id) and the caller should re-read and retry.
   */
  private async tryDelete(run: string, record: RunRecord, samples: RunSamples, requestId: string, fingerprint: string, ids: readonly string[]): Promise<Receipt | null> {
    const { views, writer } = this.deps;
    const byShard = new Map<number, { ids: string[]; slices: Set<number> }>();
    let alreadyDeleted = 0;
    const tombstoneCache = new Map<number, ReadonlySet<string>>();
    for (const id of ids) {
      const { shard, slice } = samples.place(id);
      let dead = tombstoneCache.get(shard);
      if (dead === undefined) tombstoneCache.set(shard, (dead = views.tombstones(run, shard)));
      const digest = sampleIdDigest(record.sampleIdKey, id);
      if (dead.has(digest)) {
        alreadyDeleted++;
        continue;
      }
      const entry = byShard.get(shard) ?? { ids: [], slices: new Set<number>() };
      entry.ids.push(digest);
      entry.slices.add(slice);
      byShard.set(shard, entry);
    }
    const deleted = ids.length - alreadyDeleted;
    if (deleted === 0) {
      // Every id was deleted before: no model changes, so nothing is written (not even the request id).
      this.deps.logger.info({ run, requestId, alreadyDeleted }, 'deletion of already-deleted ids: nothing to do');
      return { name: '', requestId, sampleCount: 0, alreadyDeleted, shards: [], deactivated: [], serving: [], retrainingScheduled: [], revision: views.mirror.revision, acknowledgeTime: new Date().toISOString() };
    }
    const deletionId = `${Date.now().toString().padStart(13, '0')}-${randomBytes(4).toString('hex')}`;
    const name = `runs/${run}/deletions/${deletionId}`;
    const compare: Compare[] = [];
    const puts: Put[] = [];
    const shardsOut: Receipt['shards'] = [];
    const deactivated: Receipt['deactivated'] = [];
    const serving: Receipt['serving'] = [];
    const retraining: Receipt['retrainingScheduled'] = [];
    const generations: Record<string, number[]> = {};
    const cancels: StageCancel[] = [];
    for (const [shard, { slices }] of [...byShard].sort((a, b) => a[0] - b[0])) {
      const current = shardRecordOf(views, run, record, shard);
      const t = deleteSlices(current.value, { slices, orderings: record.orderings });
      compare.push({ key: views.keys.shard(run, shard), target: 'modRevision', op: '==', value: current.modRevision });
      puts.push({ key: views.keys.shard(run, shard), value: JSON.stringify(t.record) });
      generations[String(shard)] = [...t.record.generations];
      shardsOut.push({ shard, taintedSlices: [...t.tainted], newlyTaintedSlices: [...t.newlyTainted] });
      deactivated.push(...t.deactivated.map((d) => ({ shard, ...d })));
      retraining.push(...t.retrain.map((d) => ({ shard, ...d })));
      serving.push(t.servingAfter(shard));
      for (const e of t.effects) if (e.type === 'cancel') cancels.push({ shard, stage: e.key, worker: e.worker, taskId: e.taskId, reason: 'slices changed by a deletion' });
    }
    const receipt: Omit<Receipt, 'revision'> = {
      name,
      requestId,
      sampleCount: deleted,
      alreadyDeleted,
      shards: shardsOut,
      deactivated,
      serving,
      retrainingScheduled: retraining,
      acknowledgeTime: new Date().toISOString(),
    };
    const deletion: DeletionRecord = { receipt, ids: Object.fromEntries([...byShard].map(([s, e]) => [String(s), e.ids])), generations };
    puts.push({ key: views.keys.deletion(run, deletionId), value: JSON.stringify(deletion) });
    if (requestId !== '') {
      compare.push({ key: views.keys.request(run, requestId), target: 'createRevision', op: '==', value: 0 });
      puts.push({ key: views.keys.request(run, requestId), value: JSON.stringify({ deletion: deletionId, fingerprint } satisfies RequestRecord) });
    }
    const revision = await writer.write(compare, puts);
    if (revision === null) return null;
    const full = ReceiptSchema.parse({ ...receipt, revision });
    this.deps.logger.info({ run, deletion: deletionId, requestId, ids: deleted, alreadyDeleted, shards: shardsOut.length, deactivated: deactivated.length, revision }, 'deletion acknowledged');
    // Events follow the commit; a lost event never loses the deletion, which etcd already holds.
    this.deps.events.publish(`lethe.events.deletion.${run}`, { type: 'DeletionAcknowledged', run, deletion: name, revision, shards: shardsOut }, { msgId: `${run}/${deletionId}` }).catch((err: unknown) => this.deps.logger.warn({ err }, 'event publish failed'));
    for (const c of cancels) this.deps.logger.info({ run, shard: c.shard, stage: c.stage, worker: c.worker, taskId: c.taskId, reason: 'stale' }, 'assignment dropped');
    this.deps.onDeleted?.(run, cancels);
    return full;
  }

  /**
   * The receipt of an earlier request with this id (AIP-155), with its revision; ALREADY_EXISTS when that request
   * named another set of ids.
   */
  receiptFor(run: string, requestId: string, fingerprint: string): Receipt | undefined {
    const { views } = this.deps;
    const req = views.mirror.get(views.keys.request(run, requestId));
    if (req === undefined) return undefined;
    const prior = JSON.parse(req.value) as RequestRecord;
    const name = `runs/${run}/deletions/${prior.deletion}`;
    if (prior.fingerprint !== undefined && prior.fingerprint !== fingerprint) {
      throw new LetheError(ErrorCode.ALREADY_EXISTS, `request_id ${quote(requestId, 40)} was already used for another set of ids by deletion '${name}'; use a new request_id`, { details: { field: 'request_id', deletion: name } });
    }
    return this.getDeletion(name).receipt;
  }

  getDeletion(rawName: unknown): { receipt: Receipt; retrainCompleteTime?: string; purgeCompleteTime?: string; state: 'ACKNOWLEDGED' | 'RETRAINED' | 'PURGED' } {
    const parsed = parseDeletionName(rawName);
    const run = runIdOf(this.deps.views, parsed.run);
    const name = `runs/${run}/deletions/${parsed.deletion}`;
    const key = this.deps.views.keys.deletion(run, parsed.deletion);
    const kv = this.deps.views.mirror.get(key);
    const d = kv === undefined ? undefined : this.deps.views.deletion(run, parsed.deletion);
    if (d === undefined || kv === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `deletion '${name}' not found`);
    return {
      receipt: { ...d.value.receipt, revision: kv.createRevision },
      ...(d.value.retrainCompleteTime === undefined ? {} : { retrainCompleteTime: d.value.retrainCompleteTime }),
      ...(d.value.purgeCompleteTime === undefined ? {} : { purgeCompleteTime: d.value.purgeCompleteTime }),
      state: d.value.purgeCompleteTime !== undefined ? 'PURGED' : d.value.retrainCompleteTime !== undefined ? 'RETRAINED' : 'ACKNOWLEDGED',
    };
  }

  /**
   * A page of a run's deletions, oldest first. `pageSize` 0 means 100; the token is the last deletion id of the
   * previous page, so a page costs O(page) after a sorted key scan of the mirror.
   */
  listDeletions(runName: unknown, pageSize = 0, pageToken = ''): { deletions: ReturnType<DeletionService['getDeletion']>[]; nextPageToken: string } {
    const run = runIdOf(this.deps.views, runName);
    if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_DELETIONS_PAGE) {
      throw invalidArgument(`page_size must be in [0, ${MAX_DELETIONS_PAGE}] (0: 100), got ${pageSize}`, { field: 'page_size' });
    }
    if (pageToken !== '' && !/^[0-9]{13}-[0-9a-f]{8}$/.test(pageToken)) throw invalidArgument(`page_token ${quote(pageToken, 40)} is not a token this API issued`, { field: 'page_token' });
    const size = pageSize === 0 ? 100 : pageSize;
    const base = this.deps.views.keys.deletions(run);
    const ids = this.deps.views.mirror.keys(base).map((k) => k.slice(base.length)).filter((id) => id > pageToken);
    const page = ids.slice(0, size);
    return { deletions: page.map((id) => this.getDeletion(`runs/${run}/deletions/${id}`)), nextPageToken: ids.length > size ? (page[page.length - 1] ?? '') : '' };
  }

  /**
   * Where a sample lives and which stages saw it. Public and test samples are answered alike (shard and slice -1,
   * no stages): both are part of the run, neither is deletable.
   */
  whereIs(runName: unknown, rawSampleId: unknown): SampleLocation {
    const { views } = this.deps;
    const run = runIdOf(views, runName);
    const sampleId = requireBoundedString('sample_id', rawSampleId, MAX_ID_LENGTH, 1);
    const record = views.run(run);
    if (record === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${run}' not found`);
    const samples = runSamples(run, record.salt, record.spec);
    const row = samples.rowOf.get(sampleId);
    if (row === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `sample ${quote(sampleId)} is not in run '${run}'`);
    const heldOut = { sampleId, shard: -1, slice: -1, deleted: false, stages: [] };
    if (samples.publicRows.has(row)) return { ...heldOut, public: true, test: false };
    if (!samples.userRows.has(row)) return { ...heldOut, public: false, test: true };
    const { shard, slice } = samples.place(sampleId);
    const shardRec = shardRecordOf(views, run, record, shard).value;
    const backboneReady = views.backbone(run)?.value.state === 'ready';
    const stages: SampleLocation['stages'][number][] = [];
    record.orderings.forEach((order, ordering) => {
      const pos = order.indexOf(slice);
      for (let stage = pos + 1; stage <= order.length; stage++) stages.push({ shard, ordering, stage, state: stageState(shardRec, order, stage, backboneReady) });
    });
    return { sampleId, shard, slice, deleted: views.tombstones(run, shard).has(sampleIdDigest(record.sampleIdKey, sampleId)), public: false, test: false, stages };
  }
}
