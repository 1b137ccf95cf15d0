import { randomBytes } from 'node:crypto';
import { stagePrefixKey } from '../../../shared/src/domain/impact.js';
import { ErrorCode, LetheError, invalidArgument } from '../../../shared/src/errors/errors.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { Compare } from '../../../shared/src/ports/state-store.js';
import type { EventBus } from '../../../shared/src/ports/event-bus.js';
import type { FencedWriter, Put } from '../state/fenced-writer.js';
import { ReceiptSchema, type DeletionRecord, type Receipt, type RunRecord, type ShardRecord } from '../state/records.js';
import { isActive, shardServing, taintedSlices, type RunViews } from '../state/run-views.js';
import { runSamples, type RunSamples } from '../runs/run-catalog.js';
import { runIdOf } from '../runs/run-service.js';
import { emptyShard, stageState, type StageStateName } from '../runs/stage-state.js';

/** Most ids one request may name; larger deletions are split by the caller. */
export const MAX_IDS_PER_REQUEST = 100_000;
const MAX_ID_LENGTH = 512;
const CAS_RETRIES = 20;

export interface DeletionServiceDeps {
  readonly views: RunViews;
  readonly writer: FencedWriter;
  readonly events: EventBus;
  readonly logger: Logger;
  /** Wakes the scheduler: retraining of deactivated stages starts at once. */
  readonly onDeleted?: (run: string) => void;
}

export interface SampleLocation {
  readonly sampleId: string;
  readonly shard: number;
  readonly slice: number;
  readonly deleted: boolean;
  readonly public: boolean;
  readonly stages: readonly { shard: number; ordering: number; stage: number; state: StageStateName }[];
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

  async deleteSamples(requestId: string, runName: string, rawIds: readonly unknown[]): Promise<Receipt> {
    const { views } = this.deps;
    const run = runIdOf(views, runName);
    const record = views.run(run);
    if (record === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${run}' not found`);
    const ids = validateIds(rawIds);
    if (requestId !== '') {
      const prior = this.receiptFor(run, requestId);
      if (prior !== undefined) return prior;
    }
    const samples = runSamples(run, record.salt, record.spec);
    const unknown = ids.filter((id) => {
      const row = samples.rowOf.get(id);
      return row === undefined || !samples.userRows.has(row);
    });
    if (unknown.length > 0) {
      const shown = unknown.slice(0, 5).map((id) => `'${id}'`).join(', ');
      throw invalidArgument(`${unknown.length} sample id(s) are not user data of run '${run}': ${shown}${unknown.length > 5 ? ', ...' : ''}`, { field: 'sample_ids', unknown: unknown.slice(0, 5) });
    }
    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      const result = await this.tryDelete(run, record, samples, requestId, [...new Set(ids)], ids.length);
      if (result !== null) return result;
      if (requestId !== '') {
        const prior = this.receiptFor(run, requestId);
        if (prior !== undefined) return prior;
      }
    }
    throw new LetheError(ErrorCode.REVISION_CONFLICT, `deletion in run '${run}' kept conflicting with concurrent writes; retry`);
  }

  private async tryDelete(run: string, record: RunRecord, samples: RunSamples, requestId: string, ids: string[], requested: number): Promise<Receipt | null> {
    const { views, writer } = this.deps;
    const byShard = new Map<number, { ids: string[]; slices: Set<number> }>();
    let alreadyDeleted = 0;
    const tombstoneCache = new Map<number, ReadonlySet<string>>();
    for (const id of ids) {
      const { shard, slice } = samples.place(id);
      let dead = tombstoneCache.get(shard);
      if (dead === undefined) tombstoneCache.set(shard, (dead = views.tombstones(run, shard)));
      if (dead.has(id)) {
        alreadyDeleted++;
        continue;
      }
      const entry = byShard.get(shard) ?? { ids: [], slices: new Set<number>() };
      entry.ids.push(id);
      entry.slices.add(slice);
      byShard.set(shard, entry);
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
    for (const [shard, { slices }] of [...byShard].sort((a, b) => a[0] - b[0])) {
      const current = views.shard(run, shard);
      const before: ShardRecord = current?.value ?? emptyShard(record.spec.slices);
      const taintedBefore = new Set(taintedSlices(before));
      const after: ShardRecord = { ...before, generations: before.generations.map((g, s) => (slices.has(s) ? g + 1 : g)) };
      compare.push({ key: views.keys.shard(run, shard), target: 'modRevision', op: '==', value: current?.modRevision ?? 0 });
      puts.push({ key: views.keys.shard(run, shard), value: JSON.stringify(after) });
      generations[String(shard)] = after.generations;
      shardsOut.push({
        shard,
        taintedSlices: [...new Set([...taintedBefore, ...slices])].sort((a, b) => a - b),
        newlyTaintedSlices: [...slices].filter((s) => !taintedBefore.has(s)).sort((a, b) => a - b),
      });
      record.orderings.forEach((order, ordering) => {
        let clean = true;
        for (let stage = 1; stage <= order.length; stage++) {
          const key = stagePrefixKey(order, stage);
          if (isActive(before, key) && !isActive(after, key)) deactivated.push({ shard, ordering, stage });
          clean &&= isActive(after, key);
          if (!clean) retraining.push({ shard, ordering, stage });
        }
      });
      serving.push(shardServing(shard, after, record.orderings));
    }
    const receipt: Omit<Receipt, 'revision'> = {
      name,
      requestId,
      sampleCount: requested,
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
      puts.push({ key: views.keys.request(run, requestId), value: JSON.stringify({ deletion: deletionId }) });
    }
    const revision = await writer.write(compare, puts);
    if (revision === null) return null;
    const full = ReceiptSchema.parse({ ...receipt, revision });
    this.deps.logger.info({ run, deletion: deletionId, requestId, ids: requested, shards: shardsOut.length, deactivated: deactivated.length, revision }, 'deletion acknowledged');
    // Events follow the commit; a lost event never loses the deletion, which etcd already holds.
    this.deps.events.publish(`lethe.events.deletion.${run}`, { type: 'DeletionAcknowledged', run, deletion: name, revision, shards: shardsOut }, { msgId: `${run}/${deletionId}` }).catch((err: unknown) => this.deps.logger.warn({ err }, 'event publish failed'));
    this.deps.onDeleted?.(run);
    return full;
  }

  /** The receipt of an earlier request with this id (AIP-155), with its revision. */
  receiptFor(run: string, requestId: string): Receipt | undefined {
    const { views } = this.deps;
    const req = views.mirror.get(views.keys.request(run, requestId));
    if (req === undefined) return undefined;
    const { deletion } = JSON.parse(req.value) as { deletion: string };
    return this.getDeletion(`runs/${run}/deletions/${deletion}`).receipt;
  }

  getDeletion(name: string): { receipt: Receipt; retrainCompleteTime?: string; state: 'ACKNOWLEDGED' | 'RETRAINED' } {
    const m = /^runs\/([^/]+)\/deletions\/([^/]+)$/.exec(name);
    if (m === null) throw invalidArgument(`deletion name must be runs/<run>/deletions/<id>, got '${name}'`, { field: 'name' });
    const run = runIdOf(this.deps.views, `runs/${m[1] as string}`);
    const key = this.deps.views.keys.deletion(run, m[2] as string);
    const kv = this.deps.views.mirror.get(key);
    const d = this.deps.views.deletions(run).find((x) => x.id === m[2]);
    if (d === undefined || kv === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `deletion '${name}' not found`);
    return {
      receipt: { ...d.value.receipt, revision: kv.createRevision },
      ...(d.value.retrainCompleteTime === undefined ? {} : { retrainCompleteTime: d.value.retrainCompleteTime }),
      state: d.value.retrainCompleteTime === undefined ? 'ACKNOWLEDGED' : 'RETRAINED',
    };
  }

  listDeletions(runName: string): ReturnType<DeletionService['getDeletion']>[] {
    const run = runIdOf(this.deps.views, runName);
    return this.deps.views.deletions(run).map((d) => this.getDeletion(`runs/${run}/deletions/${d.id}`));
  }

  whereIs(runName: string, sampleId: string): SampleLocation {
    const { views } = this.deps;
    const run = runIdOf(views, runName);
    const record = views.run(run);
    if (record === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `run '${run}' not found`);
    if (sampleId === '') throw invalidArgument('sample_id must not be empty', { field: 'sample_id' });
    const samples = runSamples(run, record.salt, record.spec);
    const row = samples.rowOf.get(sampleId);
    if (row === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `sample '${sampleId}' is not in run '${run}'`);
    if (samples.publicRows.has(row)) return { sampleId, shard: -1, slice: -1, deleted: false, public: true, stages: [] };
    if (!samples.userRows.has(row)) throw new LetheError(ErrorCode.NOT_FOUND, `sample '${sampleId}' is test data of run '${run}', never trained on`);
    const { shard, slice } = samples.place(sampleId);
    const shardRec = views.shard(run, shard)?.value ?? emptyShard(record.spec.slices);
    const backbone = views.backbone(run)?.value;
    const stages: SampleLocation['stages'][number][] = [];
    record.orderings.forEach((order, ordering) => {
      const pos = order.indexOf(slice);
      for (let stage = pos + 1; stage <= order.length; stage++) stages.push({ shard, ordering, stage, state: stageState(shardRec, backbone, order, stage) });
    });
    return { sampleId, shard, slice, deleted: views.tombstones(run, shard).has(sampleId), public: false, stages };
  }
}
