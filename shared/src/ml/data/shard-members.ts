import { placeSample } from '../../domain/placement.js';
import type { DatasetIndex } from './dataset.js';

/** The user rows of one shard and the slice of each. */
export interface ShardMembers {
  readonly rows: readonly number[];
  readonly sliceOf: readonly number[];
}

const cache = new WeakMap<DatasetIndex, Map<string, readonly ShardMembers[]>>();

/**
 * Every shard's user rows under a run's placement (salt, m, L), computed once per dataset and placement: the
 * worker trains on exactly these rows, and the coordinator checks a stage's id list against them.
 */
export function shardMembers(dataset: DatasetIndex, salt: string, shards: number, slices: number): readonly ShardMembers[] {
  let byPlacement = cache.get(dataset);
  if (byPlacement === undefined) cache.set(dataset, (byPlacement = new Map<string, readonly ShardMembers[]>()));
  const key = `${salt}\u0000${shards}\u0000${slices}`;
  const hit = byPlacement.get(key);
  if (hit !== undefined) return hit;
  const members = Array.from({ length: shards }, () => ({ rows: [] as number[], sliceOf: [] as number[] }));
  for (const row of dataset.split.user) {
    const p = placeSample(salt, dataset.ids[row] as string, shards, slices);
    members[p.shard]?.rows.push(row);
    members[p.shard]?.sliceOf.push(p.slice);
  }
  byPlacement.set(key, members);
  return members;
}

/** The ids a stage on `prefix` of `shard` trains on: its cumulative slices, minus the deleted ids. */
export function stageSampleIds(dataset: Pick<DatasetIndex, 'ids'>, members: ShardMembers, prefix: readonly number[], isDeleted: (id: string) => boolean): string[] {
  const inPrefix = new Set(prefix);
  const out: string[] = [];
  members.rows.forEach((row, i) => {
    const id = dataset.ids[row] as string;
    if (inPrefix.has(members.sliceOf[i] as number) && !isDeleted(id)) out.push(id);
  });
  return out;
}
