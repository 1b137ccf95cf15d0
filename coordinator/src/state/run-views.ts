import type { ShardRecord } from '../../../shared/src/domain/shard-machine.js';
import type { Keys } from './keys.js';
import {
  BackboneRecordSchema,
  DeletionRecordSchema,
  RunRecordSchema,
  ShardRecordSchema,
  type BackboneRecord,
  type DeletionRecord,
  type RunRecord,
} from './records.js';
import type { StateMirror } from './state-mirror.js';

/** Read helpers over the mirror: what a run, its shards and its deletions look like at the applied revision. */
export class RunViews {
  constructor(
    readonly mirror: StateMirror,
    readonly keys: Keys,
  ) {}

  runNames(): string[] {
    return this.mirror
      .keys(this.keys.runs())
      .filter((k) => k.endsWith('/spec'))
      .map((k) => k.slice(this.keys.runs().length, -'/spec'.length));
  }

  run(run: string): RunRecord | undefined {
    return this.mirror.json(this.keys.runSpec(run), (v) => RunRecordSchema.parse(v))?.value;
  }

  backbone(run: string): { value: BackboneRecord; modRevision: number } | undefined {
    return this.mirror.json(this.keys.backbone(run), (v) => BackboneRecordSchema.parse(v));
  }

  shard(run: string, shard: number): { value: ShardRecord; modRevision: number } | undefined {
    return this.mirror.json(this.keys.shard(run, shard), (v) => ShardRecordSchema.parse(v));
  }

  deletions(run: string): { id: string; value: DeletionRecord; modRevision: number }[] {
    const base = this.keys.deletions(run);
    return this.mirror
      .keys(base)
      .map((key) => ({ id: key.slice(base.length), rec: this.mirror.json(key, (v) => DeletionRecordSchema.parse(v)) }))
      .filter((d): d is { id: string; rec: { value: DeletionRecord; modRevision: number } } => d.rec !== undefined)
      .map((d) => ({ id: d.id, value: d.rec.value, modRevision: d.rec.modRevision }));
  }

  /** One deletion record by id (a point read: no scan of the run's deletions). */
  deletion(run: string, id: string): { id: string; value: DeletionRecord; modRevision: number } | undefined {
    const rec = this.mirror.json(this.keys.deletion(run, id), (v) => DeletionRecordSchema.parse(v));
    return rec === undefined ? undefined : { id, value: rec.value, modRevision: rec.modRevision };
  }

  /** Per run: deletion keys already folded into the tombstone index, and the index (shard → ids). */
  private readonly tombstoneIndex = new Map<string, { seen: Set<string>; byShard: Map<number, Set<string>> }>();

  /**
   * The keyed digests of every deleted id of a shard (the tombstones), from the deletion records. Deletion records are append-only,
   * so the index folds in only records it has not seen: a deletion costs O(its ids), not O(all tombstones).
   */
  tombstones(run: string, shard: number): ReadonlySet<string> {
    let index = this.tombstoneIndex.get(run);
    if (index === undefined) this.tombstoneIndex.set(run, (index = { seen: new Set(), byShard: new Map() }));
    const base = this.keys.deletions(run);
    for (const key of this.mirror.keys(base)) {
      if (index.seen.has(key)) continue;
      const rec = this.mirror.json(key, (v) => DeletionRecordSchema.parse(v));
      if (rec === undefined) continue;
      index.seen.add(key);
      for (const [s, ids] of Object.entries(rec.value.ids)) {
        let set = index.byShard.get(Number(s));
        if (set === undefined) index.byShard.set(Number(s), (set = new Set()));
        for (const id of ids) set.add(id);
      }
    }
    return index.byShard.get(shard) ?? new Set();
  }
}
