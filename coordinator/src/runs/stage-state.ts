import { emptyShardRecord, type ShardRecord } from '../../../shared/src/domain/shard-machine.js';
import type { RunRecord } from '../state/records.js';
import type { RunViews } from '../state/run-views.js';

/** A shard's record as the mirror holds it, or the empty record of a shard nothing has happened to yet. */
export function shardRecordOf(views: RunViews, run: string, record: RunRecord, shard: number): { value: ShardRecord; modRevision: number } {
  return views.shard(run, shard) ?? { value: emptyShardRecord(record.spec.slices), modRevision: 0 };
}
