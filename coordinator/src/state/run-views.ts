import type { Ordering } from '../../../shared/src/domain/cyclic.js';
import { stagePrefixKey } from '../../../shared/src/domain/impact.js';
import type { Keys } from './keys.js';
import {
  BackboneRecordSchema,
  DeletionRecordSchema,
  RunRecordSchema,
  ShardRecordSchema,
  type BackboneRecord,
  type DeletionRecord,
  type RunRecord,
  type ShardRecord,
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
   * Every deleted id of a shard (the tombstones), from the deletion records. Deletion records are append-only,
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

/** A committed stage is active iff the generations it trained on are the slices' current ones. */
export function isActive(shard: ShardRecord, key: string): boolean {
  const c = shard.committed[key];
  if (c === undefined) return false;
  return c.prefix.every((slice, i) => shard.generations[slice] === c.generations[i]);
}

/** d(π): the longest prefix of active stages. */
export function activeDepth(shard: ShardRecord, order: Ordering): number {
  let d = 0;
  for (let stage = 1; stage <= order.length; stage++) {
    if (!isActive(shard, stagePrefixKey(order, stage))) break;
    d = stage;
  }
  return d;
}

export interface ShardServing {
  readonly shard: number;
  readonly live: boolean;
  readonly ordering: number;
  readonly depth: number;
}

/** The ordering with the longest active prefix, ties to the first; not live when every depth is 0. */
export function shardServing(shardIndex: number, shard: ShardRecord, orderings: readonly Ordering[]): ShardServing {
  let best = { ordering: 0, depth: 0 };
  orderings.forEach((o, ordering) => {
    const depth = activeDepth(shard, o);
    if (depth > best.depth) best = { ordering, depth };
  });
  return { shard: shardIndex, live: best.depth > 0, ...best };
}

/** Slices holding deleted samples that some committed stage still trained on (the spec's tainted set). */
export function taintedSlices(shard: ShardRecord): number[] {
  const out = new Set<number>();
  for (const c of Object.values(shard.committed)) c.prefix.forEach((slice, i) => (shard.generations[slice] !== c.generations[i] ? out.add(slice) : undefined));
  return [...out].sort((a, b) => a - b);
}
