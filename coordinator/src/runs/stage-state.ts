import type { Ordering } from '../../../shared/src/domain/cyclic.js';
import { stagePrefixKey } from '../../../shared/src/domain/impact.js';
import type { BackboneRecord, ShardRecord } from '../state/records.js';
import { isActive } from '../state/run-views.js';

/** Stage states as the API names them (StageState without the prefix). */
export type StageStateName = 'PENDING' | 'READY' | 'TRAINING' | 'ACTIVE' | 'DEACTIVATED';

/**
 * The state of stage `stage` of ordering `order`: ACTIVE (committed, clean), DEACTIVATED (committed, but a slice
 * it saw has since lost samples), TRAINING (assigned), READY (its parent is active) or PENDING.
 */
export function stageState(shard: ShardRecord, backbone: BackboneRecord | undefined, order: Ordering, stage: number): StageStateName {
  const key = stagePrefixKey(order, stage);
  if (isActive(shard, key)) return 'ACTIVE';
  if (shard.training[key] !== undefined) return 'TRAINING';
  if (shard.committed[key] !== undefined) return 'DEACTIVATED';
  const parentReady = stage === 1 ? backbone?.state === 'ready' : isActive(shard, stagePrefixKey(order, stage - 1));
  return parentReady ? 'READY' : 'PENDING';
}

export function emptyShard(slices: number): ShardRecord {
  return { generations: new Array<number>(slices).fill(0), committed: {}, training: {}, samplePasses: 0, discardedSamplePasses: 0 };
}
