import { RetrainingPolicySchema, type RetrainingPolicy } from '../../../shared/src/domain/retraining-policy.js';
import { TaskSilenceOverrideSchema, type RunSpec } from '../../../shared/src/domain/run-spec.js';
import type { ShardRecord } from '../../../shared/src/domain/shard-machine.js';
import type { Keys } from './keys.js';
import type { Compare } from '../../../shared/src/ports/state-store.js';
import {
  BackboneRecordSchema,
  DeletionRecordSchema,
  GenerationsSchema,
  RunRecordSchema,
  ShardBodySchema,
  type BackboneRecord,
  type DeletionRecord,
  type RunRecord,
} from './records.js';
import type { StateMirror } from './state-mirror.js';

/** A shard's record as stored: the state machine's record and the revisions of its two keys (0: absent). */
export interface StoredShard {
  readonly value: ShardRecord;
  readonly bodyRevision: number;
  readonly gensRevision: number;
}

/** The compares that make a shard write apply only to the record it was computed from. */
export function shardCompares(keys: Keys, run: string, shard: number, stored: StoredShard): Compare[] {
  return [
    { key: keys.shard(run, shard), target: 'modRevision', op: '==', value: stored.bodyRevision },
    { key: keys.gens(run, shard), target: 'modRevision', op: '==', value: stored.gensRevision },
  ];
}

/** The stored form of a record's body (everything but the generations). */
export function shardBody(rec: ShardRecord): string {
  const { generations: _g, ...body } = rec;
  return JSON.stringify(body);
}

export function shardGenerations(rec: ShardRecord): string {
  return JSON.stringify({ generations: rec.generations });
}

const DELETION_KEY = /^runs\/([^/]+)\/deletions\/([^/]+)(\/\d{4})?$/;

/**
 * Read helpers over the mirror: what a run, its shards and its deletions look like at the applied revision. The
 * tombstones and the deletions still waiting for retraining or purge are indexed as the mirror changes, so no
 * request or scheduler pass scans every deletion.
 */
export class RunViews {
  /** Per run: shard → digests of deleted ids, and "<shard>/<slice>" → the same by slice. */
  private readonly tombstoneIndex = new Map<string, Map<number, Set<string>>>();
  private readonly sliceTombstoneIndex = new Map<string, Map<string, Set<string>>>();
  /** Per run: deletion ids whose head is not yet PURGED. */
  private readonly pendingIndex = new Map<string, Set<string>>();

  constructor(
    readonly mirror: StateMirror,
    readonly keys: Keys,
  ) {
    mirror.on('change', (key) => this.onChange(key));
  }

  /** Run ids, sorted (from an index kept as run specs appear: no scan of every key). */
  runNames(): string[] {
    if (this.runIndex === undefined) {
      this.runIndex = new Set(
        this.mirror
          .keys(this.keys.runs())
          .filter((k) => k.endsWith('/spec'))
          .map((k) => k.slice(this.keys.runs().length, -'/spec'.length)),
      );
    }
    return [...this.runIndex].filter((r) => this.mirror.get(this.keys.runSpec(r)) !== undefined).sort();
  }

  private runIndex: Set<string> | undefined;

  run(run: string): RunRecord | undefined {
    return this.mirror.json(this.keys.runSpec(run), (v) => RunRecordSchema.parse(v))?.value;
  }

  /** The retraining policy in force: the one an operator set on the live run, else the spec's. */
  retraining(run: string, spec: RunSpec): RetrainingPolicy {
    return this.mirror.json(this.keys.retraining(run), (v) => RetrainingPolicySchema.parse(v))?.value ?? spec.retraining;
  }

  /**
   * The run's task silence timeout in force, in seconds: the one an operator set on the live run, else the spec's;
   * undefined where neither sets one (the coordinator's applies).
   */
  taskSilenceTimeoutS(run: string, spec: RunSpec): number | undefined {
    const set = this.mirror.json(this.keys.taskSilence(run), (v) => TaskSilenceOverrideSchema.parse(v))?.value;
    return set === undefined ? spec.taskSilenceTimeoutS : (set.taskSilenceTimeoutS ?? undefined);
  }

  /** The spec with what an operator changed on the live run (retraining policy, task silence timeout) in force. */
  specInForce(run: string, spec: RunSpec): RunSpec {
    const { taskSilenceTimeoutS: _asCreated, ...rest } = spec;
    const silence = this.taskSilenceTimeoutS(run, spec);
    return { ...rest, retraining: this.retraining(run, spec), ...(silence === undefined ? {} : { taskSilenceTimeoutS: silence }) };
  }

  /** Whether an operator cancelled the run's training (it serves what it has, and trains nothing more). */
  cancelled(run: string): boolean {
    return this.mirror.get(this.keys.runCancelled(run)) !== undefined;
  }

  backbone(run: string): { value: BackboneRecord; modRevision: number } | undefined {
    return this.mirror.json(this.keys.backbone(run), (v) => BackboneRecordSchema.parse(v));
  }

  /** A shard's record, composed from its two keys; undefined when neither exists yet. */
  shard(run: string, shard: number): StoredShard | undefined {
    const body = this.mirror.json(this.keys.shard(run, shard), (v) => ShardBodySchema.parse(v));
    const gens = this.mirror.json(this.keys.gens(run, shard), (v) => GenerationsSchema.parse(v));
    if (body === undefined && gens === undefined) return undefined;
    const slices = this.run(run)?.spec.slices ?? gens?.value.generations.length ?? 0;
    const generations = gens?.value.generations ?? new Array<number>(slices).fill(0);
    const value: ShardRecord = { committed: {}, training: {}, failures: {}, samplePasses: 0, discardedSamplePasses: 0, ...body?.value, generations };
    return { value, bodyRevision: body?.modRevision ?? 0, gensRevision: gens?.modRevision ?? 0 };
  }

  /** The heads of a run's deletions (one per request), oldest first. */
  deletionIds(run: string): string[] {
    const base = this.keys.deletions(run);
    return this.mirror
      .keys(base)
      .map((k) => k.slice(base.length))
      .filter((id) => !id.includes('/'));
  }

  /** A deletion's head record by id (a point read). */
  deletion(run: string, id: string): { id: string; value: DeletionRecord; modRevision: number; createRevision: number } | undefined {
    const key = this.keys.deletion(run, id);
    const rec = this.mirror.json(key, (v) => DeletionRecordSchema.parse(v));
    const kv = this.mirror.get(key);
    return rec === undefined || kv === undefined ? undefined : { id, value: rec.value, modRevision: rec.modRevision, createRevision: kv.createRevision };
  }

  /** Every part of a deletion, head last (point reads: the head says how many parts there are). */
  deletionParts(run: string, id: string): DeletionRecord[] {
    const head = this.deletion(run, id);
    if (head === undefined) return [];
    const parts: DeletionRecord[] = [];
    for (let k = 0; k < head.value.parts - 1; k++) {
      const part = this.mirror.json(this.keys.deletionPart(run, id, k), (v) => DeletionRecordSchema.parse(v));
      if (part !== undefined) parts.push(part.value);
    }
    return [...parts, head.value];
  }

  /** Deletions of a run not yet PURGED: what the scheduler still has to follow. */
  pendingDeletions(run: string): string[] {
    this.ensureIndexed(run);
    return [...(this.pendingIndex.get(run) ?? [])].sort();
  }

  /** The keyed digests of every deleted id of a shard (the tombstones), from every deletion record and part. */
  tombstones(run: string, shard: number): ReadonlySet<string> {
    this.ensureIndexed(run);
    return this.tombstoneIndex.get(run)?.get(shard) ?? new Set();
  }

  /** The tombstones of some slices of a shard: what a stage on those slices must leave out. */
  sliceTombstones(run: string, shard: number, slices: readonly number[]): string[] {
    this.ensureIndexed(run);
    const bySlice = this.sliceTombstoneIndex.get(run);
    return slices.flatMap((slice) => [...(bySlice?.get(`${shard}/${slice}`) ?? [])]);
  }

  /** Builds a run's indexes once from the mirror; later changes arrive through `onChange`. */
  private ensureIndexed(run: string): void {
    if (this.tombstoneIndex.has(run)) return;
    this.tombstoneIndex.set(run, new Map());
    this.sliceTombstoneIndex.set(run, new Map());
    this.pendingIndex.set(run, new Set());
    for (const key of this.mirror.keys(this.keys.deletions(run))) this.index(run, key);
  }

  private onChange(key: string): void {
    if (!key.startsWith(this.keys.runs())) return;
    const spec = /^([^/]+)\/spec$/.exec(key.slice(this.keys.runs().length));
    if (this.runIndex !== undefined && spec !== null) this.runIndex.add(spec[1] as string);
    const m = DELETION_KEY.exec(key.slice(this.keys.prefix.length));
    if (m === null || !this.tombstoneIndex.has(m[1] as string)) return;
    this.index(m[1] as string, key);
  }

  private index(run: string, key: string): void {
    const m = DELETION_KEY.exec(key.slice(this.keys.prefix.length));
    if (m === null) return;
    const rec = this.mirror.json(key, (v) => DeletionRecordSchema.parse(v));
    if (rec === undefined) return;
    const byShard = this.tombstoneIndex.get(run) as Map<number, Set<string>>;
    const bySlice = this.sliceTombstoneIndex.get(run) as Map<string, Set<string>>;
    for (const [at, ids] of Object.entries(rec.value.ids)) {
      const shard = Number(at.slice(0, at.indexOf('/')));
      let set = byShard.get(shard);
      if (set === undefined) byShard.set(shard, (set = new Set()));
      let slice = bySlice.get(at);
      if (slice === undefined) bySlice.set(at, (slice = new Set()));
      for (const id of ids) {
        set.add(id);
        slice.add(id);
      }
    }
    if (m[3] !== undefined) return; // a part: its head tracks the deletion's state
    const pending = this.pendingIndex.get(run) as Set<string>;
    if (rec.value.purgeCompleteTime === undefined) pending.add(m[2] as string);
    else pending.delete(m[2] as string);
  }
}
