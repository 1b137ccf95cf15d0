import { emptyShardRecord } from '../../../shared/src/domain/shard-machine.js';
import type { RunRecord } from '../state/records.js';
import type { RunViews, StoredShard } from '../state/run-views.js';

/** A shard's record as the mirror holds it, or the empty record of a shard nothing has happened to yet. */
export function shardRecordOf(views: RunViews, run: string, record: RunRecord, shard: number): StoredShard {
  return views.shard(run, shard) ?? { value: emptyShardRecord(record.spec.slices), bodyRevision: 0, gensRevision: 0 };
}
