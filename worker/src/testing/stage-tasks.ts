import { sampleIdDigest } from '../../../shared/src/domain/sample-digest.js';
import type { StageTaskInput } from '../task-executor.js';

/** What the stage tasks of one shard's ordering share (as the coordinator would send them). */
export interface ShardOrdering {
  readonly run: string;
  readonly shard: number;
  readonly ordering: readonly number[];
  readonly backboneArtifact: string;
  readonly runSpecJson: string;
  readonly salt: string;
  readonly sampleIdKey: string;
}

/**
 * Stage tasks of one ordering for tests and benchmarks: stage `stage` on parent `parentArtifact`, with `excluded`
 * (raw ids) deleted, sent as the keyed digests a coordinator sends; each deletion bumps the slices' generation.
 */
export function stageTasksOf(o: ShardOrdering): (stage: number, parentArtifact: string, excluded: readonly string[]) => StageTaskInput {
  return (stage, parentArtifact, excluded) => ({
    run: o.run,
    shard: o.shard,
    ordering: o.ordering,
    stage,
    slices: o.ordering.slice(0, stage).map((slice) => ({ slice, generation: excluded.length })),
    parentArtifact,
    backboneArtifact: o.backboneArtifact,
    excludedSampleIds: excluded.map((id) => sampleIdDigest(o.sampleIdKey, id)),
    sharingOrderings: [0],
    runSpecJson: o.runSpecJson,
    salt: o.salt,
    sampleIdKey: o.sampleIdKey,
  });
}
