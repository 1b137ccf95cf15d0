import { createHmac, randomBytes } from 'node:crypto';
import { parseDeletionName } from '../../../shared/src/domain/names.js';
import { sampleIdDigest } from '../../../shared/src/domain/sample-digest.js';
import { quote, requireBoundedString, requireRequestId } from '../../../shared/src/domain/validate.js';
import { ErrorCode, LetheError, invalidArgument } from '../../../shared/src/errors/errors.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { Compare } from '../../../shared/src/ports/state-store.js';
import { jobKeys } from '../../../shared/src/jobs/records.js';
import type { ArtifactStore } from '../../../shared/src/ports/artifact-store.js';
import { unchangedSince, type FencedWriter, type Put } from '../state/fenced-writer.js';
import { activeDepth, deleteSlices, stageState, type StageStateName } from '../../../shared/src/domain/shard-machine.js';
import { ReceiptSchema, type DeletionRecord, type Receipt, type RunRecord, type StoredReceipt } from '../state/records.js';
import { auditPut } from '../audit/audit-log.js';
import { outboxPut } from '../events/outbox.js';
import { shardCompares, shardGenerations, type RunViews } from '../state/run-views.js';
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
  readonly logger: Logger;
  /**
   * After a deletion (or one part of a large one) commits: the assignments it made stale (to cancel on their
   * workers), the shards it touched (to wake the scheduler), and the keyed digests it deleted by shard and slice (for
   * workers to drop what they derived from those samples).
   */
  readonly onDeleted?: (run: string, cancels: readonly StageCancel[], taintedShards: readonly number[], deleted: readonly DeletedSamples[]) => void;
  /** Where the run's original model (approximate jobs) lives: a deletion purges it. */
  readonly artifacts?: ArtifactStore;
}

/** An in-flight task a deletion took back: its worker is told to stop. */
export interface StageCancel {
  readonly shard?: number;
  readonly stage?: string;
  readonly worker: string;
  readonly taskId: string;
  readonly reason: string;
}

/** The keyed digests of the samples a deletion removed from one slice of one shard. */
export interface DeletedSamples {
  readonly shard: number;
  readonly slice: number;
  readonly sampleIds: readonly string[];
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

/**
 * How long a request id is honoured (AIP-155's window; stated in the API). Past it, the id may be reused and the
 * scheduler removes its record: nothing kept per request grows forever. Deletion records (the tombstones) stay.
 */
export const REQUEST_ID_RETENTION_MS = 30 * 24 * 3600 * 1000;

export interface RequestRecord {
  readonly deletion: string;
  /** Absent on records written before fingerprints existed: those replay without a check. */
  readonly fingerprint?: string;
  /** When the request was acknowledged (ms); absent on older records, which never expire. */
  readonly at?: number;
}

/** True once a request record is past the retention window. */
export function requestExpired(r: RequestRecord, nowMs: number): boolean {
  return r.at !== undefined && r.at + REQUEST_ID_RETENTION_MS < nowMs;
}

/**
 * Bounds of one deletion transaction on a stock etcd (`--max-txn-ops 128`, 1.5 MiB requests): a part touches at
 * most 40 shards (2 compares and 1 put each, plus the fence, the part, the request id, its event and its audit
 * event) and carries at most about 640 KiB (tombstone digests and its share of the receipt).
 */
export const MAX_SHARDS_PER_PART = 40;
export const MAX_PART_BYTES = 640 * 1024;
/** Most tombstones of one shard in one part (about 36 bytes each once stored). */
const MAX_IDS_PER_UNIT = 12_000;

/** One shard's share of a part: the digests of its newly deleted ids and their slices. */
interface PartUnit {
  readonly shard: number;
  readonly entries: readonly { readonly digest: string; readonly slice: number }[];
}

/** Splits a planned deletion into parts that each fit one transaction; a shard with very many ids spans parts. */
function splitIntoParts(byShard: ReadonlyMap<number, { digest: string; slice: number }[]>, record: RunRecord): PartUnit[][] {
  const parts: PartUnit[][] = [];
  let current: PartUnit[] = [];
  let bytes = 0;
  for (const [shard, entries] of [...byShard].sort((a, b) => a[0] - b[0])) {
    for (let i = 0; i < entries.length; i += MAX_IDS_PER_UNIT) {
      const unit = { shard, entries: entries.slice(i, i + MAX_IDS_PER_UNIT) };
      // Digests, the shard's generations, and its receipt entry (tainted slices, two depths per ordering).
      const size = unit.entries.length * 36 + record.spec.slices * 16 + record.orderings.length * 8 + 256;
      if (current.length > 0 && (current.length >= MAX_SHARDS_PER_PART || bytes + size > MAX_PART_BYTES)) {
        parts.push(current);
        current = [];
        bytes = 0;
      }
      current.push(unit);
      bytes += size;
    }
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/**
 * A deletion's receipt from its parts (head last): per shard, the stages it switched off are those between each
 * ordering's depth after and before it, the stages to retrain those past the depth after, and the serving choice
 * the ordering with the greatest depth after (the lowest on ties).
 */
function mergeReceipt(name: string, orderings: readonly (readonly number[])[], parts: readonly DeletionRecord[], revision: number): Receipt {
  const head = parts[parts.length - 1];
  const shards = parts.flatMap((p) => p.receipt.shards);
  const deactivated: Receipt['deactivated'] = [];
  const retrainingScheduled: Receipt['retrainingScheduled'] = [];
  const serving: Receipt['serving'] = [];
  for (const s of shards) {
    let best = { ordering: 0, depth: 0 };
    orderings.forEach((order, ordering) => {
      const before = s.depthsBefore[ordering] ?? 0;
      const after = s.depthsAfter[ordering] ?? 0;
      for (let stage = after + 1; stage <= order.length; stage++) {
        retrainingScheduled.push({ shard: s.shard, ordering, stage });
        if (stage <= before) deactivated.push({ shard: s.shard, ordering, stage });
      }
      if (after > best.depth) best = { ordering, depth: after };
    });
    serving.push({ shard: s.shard, live: best.depth > 0, ...best });
  }
  deactivated.sort((a, b) => a.shard - b.shard || a.ordering - b.ordering || a.stage - b.stage);
  retrainingScheduled.sort((a, b) => a.shard - b.shard || a.ordering - b.ordering || a.stage - b.stage);
  return ReceiptSchema.parse({
    name,
    requestId: head?.receipt.requestId ?? '',
    sampleCount: parts.reduce((n, p) => n + p.receipt.sampleCount, 0),
    alreadyDeleted: head?.receipt.alreadyDeleted ?? 0,
    shards: shards.map(({ shard, taintedSlices, newlyTaintedSlices }) => ({ shard, taintedSlices, newlyTaintedSlices })),
    deactivated,
    serving,
    retrainingScheduled,
    acknowledgeTime: head?.receipt.acknowledgeTime ?? new Date(0).toISOString(),
    revision,
  });
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
 * The deletion path. Every id is validated first (nothing is written when one is bad). Then, per part (one part
 * unless the request is large), one fenced etcd transaction writes the part's tombstones (keyed digests) and bumps
 * the generations of the touched slices, which deactivates every stage that trained on them and makes any in-flight
 * result on them stale; the last part also records the receipt under the request id. Retraining is scheduled right
 * after.
 */
export class DeletionService {
  constructor(private readonly deps: DeletionServiceDeps) {}

  /** `by`: the authenticated caller, recorded in the audit log. */
  async deleteSamples(rawRequestId: unknown, runName: unknown, rawIds: readonly unknown[], by = ''): Promise<Receipt> {
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
    return this.apply(run, record, samples, requestId, fingerprint, [...new Set(ids)], by);
  }

  /**
   * Plans the deletion (which ids are new, in which shard and slice), splits it into parts that fit one stock etcd
   * transaction each, and commits the parts in order, the head (with the request id) last. Each part is exact on
   * its own: its tombstones and the generation bumps of its slices commit together, so a stage is switched off in
   * the same transaction that records why. A request that fails between parts has deactivated what its committed
   * parts cover, never less than it recorded; its retry (same request id) completes it, counting the ids of the
   * earlier parts as already deleted.
   */
  private async apply(run: string, record: RunRecord, samples: RunSamples, requestId: string, fingerprint: string, ids: readonly string[], by: string): Promise<Receipt> {
    const { views } = this.deps;
    const byShard = new Map<number, { digest: string; slice: number }[]>();
    let alreadyDeleted = 0;
    for (const id of ids) {
      const { shard, slice } = samples.place(id);
      const digest = sampleIdDigest(record.sampleIdKey, id);
      if (views.tombstones(run, shard).has(digest)) {
        alreadyDeleted++;
        continue;
      }
      const list = byShard.get(shard) ?? [];
      list.push({ digest, slice });
      byShard.set(shard, list);
    }
    const deleted = ids.length - alreadyDeleted;
    if (deleted === 0) {
      // Every id was deleted before: no model changes, so nothing is written (not even the request id).
      this.deps.logger.info({ run, requestId, alreadyDeleted }, 'deletion of already-deleted ids: nothing to do');
      return { name: '', requestId, sampleCount: 0, alreadyDeleted, shards: [], deactivated: [], serving: [], retrainingScheduled: [], revision: views.mirror.revision, acknowledgeTime: new Date().toISOString() };
    }
    const deletionId = `${Date.now().toString().padStart(13, '0')}-${randomBytes(4).toString('hex')}`;
    const name = `runs/${run}/deletions/${deletionId}`;
    const parts = splitIntoParts(byShard, record);
    const committed: DeletionRecord[] = [];
    let revision = 0;
    for (let k = 0; k < parts.length; k++) {
      const head = k === parts.length - 1;
      const out = await this.commitPart(run, record, { deletionId, name, requestId, fingerprint, part: k, parts: parts.length, alreadyDeleted: head ? alreadyDeleted : 0, by }, parts[k] as PartUnit[], committed.flatMap((c) => c.receipt.shards));
      if ('prior' in out) return out.prior;
      committed.push(out.record);
      revision = out.revision;
    }
    const receipt = mergeReceipt(name, record.orderings, committed, revision);
    this.deps.logger.info({ run, deletion: deletionId, requestId, ids: deleted, alreadyDeleted, parts: parts.length, shards: receipt.shards.length, deactivated: receipt.deactivated.length, revision }, 'deletion acknowledged');
    return receipt;
  }

  /**
   * Commits one part: for each of its shards, the state machine's deletion transition on the current record, its
   * generations written with compare-and-swap on both of the shard's keys, and the part's record (its tombstones).
   * Retries on a concurrent write to one of its shards; the head also stores the request id, and yields to an
   * earlier request with the same id.
   */
  private async commitPart(
    run: string,
    record: RunRecord,
    p: { deletionId: string; name: string; requestId: string; fingerprint: string; part: number; parts: number; alreadyDeleted: number; by: string },
    units: readonly PartUnit[],
    committedShards: readonly StoredReceipt['shards'][number][] = [],
  ): Promise<{ record: DeletionRecord; revision: number } | { prior: Receipt }> {
    const { views, writer } = this.deps;
    const head = p.part === p.parts - 1;
    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      const compare: Compare[] = [];
      const puts: Put[] = [];
      const part: DeletionRecord = {
        receipt: { requestId: p.requestId, sampleCount: 0, alreadyDeleted: p.alreadyDeleted, shards: [], acknowledgeTime: new Date().toISOString() },
        parts: head ? p.parts : 1,
        ids: {},
        generations: {},
      };
      const cancels: StageCancel[] = [];
      for (const { shard, entries } of units) {
        const current = shardRecordOf(views, run, record, shard);
        const t = deleteSlices(current.value, { slices: new Set(entries.map((e) => e.slice)), orderings: record.orderings });
        compare.push(...shardCompares(views.keys, run, shard, current));
        puts.push({ key: views.keys.gens(run, shard), value: shardGenerations(t.record) });
        for (const e of entries) (part.ids[`${shard}/${e.slice}`] ??= []).push(e.digest);
        part.generations[String(shard)] = [...t.record.generations];
        part.receipt.sampleCount += entries.length;
        part.receipt.shards.push({
          shard,
          taintedSlices: [...t.tainted],
          newlyTaintedSlices: [...t.newlyTainted],
          depthsBefore: record.orderings.map((o) => activeDepth(current.value, o)),
          depthsAfter: record.orderings.map((o) => activeDepth(t.record, o)),
        });
        for (const e of t.effects) if (e.type === 'cancel') cancels.push({ shard, stage: e.key, worker: e.worker, taskId: e.taskId, reason: 'slices changed by a deletion' });
      }
      puts.push({ key: head ? views.keys.deletion(run, p.deletionId) : views.keys.deletionPart(run, p.deletionId, p.part), value: JSON.stringify(part) });
      if (head) {
        // The event is committed with the deletion (the outbox): an outage of the bus can delay it, never lose it.
        const shards = [...committedShards, ...part.receipt.shards].map(({ shard, taintedSlices, newlyTaintedSlices }) => ({ shard, taintedSlices, newlyTaintedSlices }));
        // Its request id and time too: after an etcd restore to an older snapshot, the stream's events since then
        // name the requests to replay (operations.md).
        const acknowledged = { requestId: p.requestId, acknowledgeTime: part.receipt.acknowledgeTime };
        puts.push(outboxPut(views.keys, { subject: `lethe.events.deletion.${run}`, data: { type: 'DeletionAcknowledged', run, deletion: p.name, ...acknowledged, shards }, msgId: `${run}/${p.deletionId}` }));
        puts.push(auditPut(views.keys, 'deletion', p.name, { requestId: p.requestId, parts: p.parts, shards: shards.map((s) => s.shard), by: p.by }));
      }
      if (head && p.requestId !== '') {
        // A new id must not exist yet; an expired one is replaced only as it was read.
        const old = views.mirror.get(views.keys.request(run, p.requestId));
        compare.push(unchangedSince(views.keys.request(run, p.requestId), old));
        puts.push({ key: views.keys.request(run, p.requestId), value: JSON.stringify({ deletion: p.deletionId, fingerprint: p.fingerprint, at: Date.now() } satisfies RequestRecord) });
      }
      // The run's original model (trained on all its user data for approximate jobs) saw the deleted samples: the
      // deletion replaces its record with a marker in the same transaction (a worker writing a new one over what it
      // read then fails its compare), and its artifact is purged once this commits.
      let staleOriginal = '';
      if (head) {
        const key = jobKeys(views.keys.prefix).original(run);
        const old = views.mirror.get(key);
        compare.push(unchangedSince(key, old));
        staleOriginal = old === undefined ? '' : ((JSON.parse(old.value) as { artifact?: string }).artifact ?? '');
        puts.push({ key, value: JSON.stringify({ invalidatedBy: p.deletionId, artifact: '', excludedCount: 0, excludedHash: '', backboneArtifact: '', trainedAt: '' }) });
      }
      const revision = await writer.write(compare, puts);
      if (revision !== null) {
        if (staleOriginal !== '' && this.deps.artifacts !== undefined) {
          const artifacts = this.deps.artifacts;
          void artifacts.delete(staleOriginal).then(
            () => this.deps.logger.info({ run, artifact: staleOriginal }, "run's original model purged: it was trained on deleted data"),
            (err: unknown) => this.deps.logger.warn({ err, run, artifact: staleOriginal }, "purge of the run's original model failed"),
          );
        }
        // Stale assignments are taken back at once; the scheduler's next pass drops them from the shard's record.
        for (const c of cancels) this.deps.logger.info({ run, shard: c.shard, stage: c.stage, worker: c.worker, taskId: c.taskId, reason: 'stale' }, 'assignment dropped');
        const deleted = Object.entries(part.ids).map(([at, sampleIds]) => {
          const [shard, slice] = at.split('/').map(Number) as [number, number];
          return { shard, slice, sampleIds };
        });
        this.deps.onDeleted?.(run, cancels, part.receipt.shards.map((x) => x.shard), deleted);
        return { record: part, revision };
      }
      if (head && p.requestId !== '') {
        const prior = this.receiptFor(run, p.requestId, p.fingerprint);
        if (prior !== undefined) return { prior };
      }
    }
    throw new LetheError(ErrorCode.REVISION_CONFLICT, `deletion in run '${run}' kept conflicting with concurrent writes; retry it with the same request_id`);
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
    if (requestExpired(prior, Date.now())) return undefined;
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
    const head = this.deps.views.deletion(run, parsed.deletion);
    if (head === undefined) throw new LetheError(ErrorCode.NOT_FOUND, `deletion '${name}' not found`);
    const d = head.value;
    return {
      receipt: mergeReceipt(name, this.deps.views.run(run)?.orderings ?? [], this.deps.views.deletionParts(run, parsed.deletion), head.createRevision),
      ...(d.retrainCompleteTime === undefined ? {} : { retrainCompleteTime: d.retrainCompleteTime }),
      ...(d.purgeCompleteTime === undefined ? {} : { purgeCompleteTime: d.purgeCompleteTime }),
      state: d.purgeCompleteTime !== undefined ? 'PURGED' : d.retrainCompleteTime !== undefined ? 'RETRAINED' : 'ACKNOWLEDGED',
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
    const ids = this.deps.views.deletionIds(run).filter((id) => id > pageToken);
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
