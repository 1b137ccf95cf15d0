import { stagePrefixKey } from '../../../shared/src/domain/impact.js';
import type { ShardRecord, StageAssignment } from '../../../shared/src/domain/shard-machine.js';
import type { ArtifactStore } from '../../../shared/src/ports/artifact-store.js';
import { sampleIdsHash } from '../../../shared/src/ml/data/dataset.js';
import { deletedBy } from '../../../shared/src/domain/sample-digest.js';
import { shardMembers, stageSampleIds } from '../../../shared/src/ml/data/shard-members.js';
import { getBackbone, getStage } from '../../../shared/src/ml/run-model.js';
import type { RunRecord } from '../state/records.js';
import { runSamples } from '../runs/run-catalog.js';

export interface StageClaim {
  readonly run: string;
  readonly record: RunRecord;
  readonly shard: number;
  readonly assignment: StageAssignment;
  /** The shard record the result would commit into (for the parent's digest). */
  readonly shardRecord: ShardRecord;
  readonly backboneDigest: string;
  /** Digests of the ids deleted from the shard when the stage was assigned (its generations are still current, so: now). */
  readonly deleted: ReadonlySet<string>;
  readonly artifact: string;
  readonly manifestHash: string;
}

/**
 * Checks a stage result before it may commit (invariant 6): its artifact exists and is a stage; its manifest names
 * this run, shard and prefix, the generations of the assignment, the run's backbone and the committed parent; and
 * the id list it trained on is exactly the stage's cumulative slices minus the deleted ids (same sha256, stored).
 * Returns why it fails, or null. A worker that reports an artifact it did not store, or one trained on other data,
 * never gets it served.
 */
export async function verifyStageResult(artifacts: ArtifactStore, c: StageClaim): Promise<string | null> {
  let manifest;
  try {
    manifest = (await getStage(artifacts, c.artifact)).manifest;
  } catch (e) {
    return `artifact ${c.artifact.slice(0, 16)} is not a readable stage (${e instanceof Error ? e.message.slice(0, 120) : 'error'})`;
  }
  const { prefix, generations } = c.assignment;
  const want = (what: string, got: unknown, expected: unknown): string | null => (JSON.stringify(got) === JSON.stringify(expected) ? null : `manifest ${what} is ${JSON.stringify(got)?.slice(0, 80)}, expected ${JSON.stringify(expected)?.slice(0, 80)}`);
  const parentKey = prefix.length > 1 ? stagePrefixKey(prefix, prefix.length - 1) : null;
  const checks = [
    want('run', manifest.run, c.run),
    want('shard', manifest.shard, c.shard),
    want('prefix', manifest.prefix, prefix),
    want('stage', manifest.stage, prefix.length),
    want('slices', manifest.slices, prefix.map((slice, i) => ({ slice, generation: generations[i] }))),
    want('backbone', manifest.backbone, c.backboneDigest),
    want('parent', manifest.parent, parentKey === null ? null : (c.shardRecord.committed[parentKey]?.digest ?? null)),
    want('id-list digest', manifest.sampleIdsHash, c.manifestHash),
  ];
  const failed = checks.find((x) => x !== null);
  if (failed !== undefined && failed !== null) return failed;
  const samples = runSamples(c.run, c.record.salt, c.record.spec);
  const members = shardMembers(samples.dataset, c.record.salt, c.record.spec.shards, c.record.spec.slices)[c.shard];
  const expected = members === undefined ? [] : stageSampleIds(samples.dataset, members, prefix, deletedBy(c.record.sampleIdKey, c.deleted));
  if (manifest.sampleCount !== expected.length || manifest.sampleIdsHash !== sampleIdsHash(expected)) {
    return `the stage trained on ${manifest.sampleCount} ids that are not its cumulative slices minus the deleted ids (${expected.length} expected)`;
  }
  if (!(await artifacts.has(manifest.sampleIdsHash))) return 'the id list the manifest names is not stored';
  return null;
}

/** A backbone result commits only if its artifact exists and is a backbone. */
export async function verifyBackboneResult(artifacts: ArtifactStore, digest: string): Promise<string | null> {
  try {
    await getBackbone(artifacts, digest);
    return null;
  } catch (e) {
    return `artifact ${digest.slice(0, 16)} is not a readable backbone (${e instanceof Error ? e.message.slice(0, 120) : 'error'})`;
  }
}
