import { z } from 'zod';
import { RunSpecSchema } from '../../../shared/src/domain/run-spec.js';
import type { ShardRecord } from '../../../shared/src/domain/shard-machine.js';

/** What etcd holds about a run: its spec, placement salt and plan. Immutable after creation. */
export const RunRecordSchema = z.object({
  name: z.string(),
  spec: RunSpecSchema,
  salt: z.string(),
  orderings: z.array(z.array(z.number().int())),
  createTime: z.string(),
  userSamples: z.number().int(),
  publicSamples: z.number().int(),
  /** Samples per slice, per shard. */
  sliceSizes: z.array(z.array(z.number().int())),
  /** Key of the keyed digests that tombstones hold instead of ids (hex; never served by the API). */
  sampleIdKey: z.string().regex(/^[0-9a-f]{64}$/),
});
export type RunRecord = z.output<typeof RunRecordSchema>;

/** The run's backbone: pretrained once by a worker; a failing pretraining backs off and ends `failed`. */
export const BackboneRecordSchema = z.object({
  state: z.enum(['pending', 'training', 'ready', 'failed']),
  digest: z.string().optional(),
  taskId: z.string().optional(),
  worker: z.string().optional(),
  epoch: z.number().optional(),
  /** Failed tries so far, the last error, and when the next try may start. */
  attempts: z.number().int().min(0).default(0),
  lastError: z.string().optional(),
  retryAtMs: z.number().optional(),
});
export type BackboneRecord = z.output<typeof BackboneRecordSchema>;

/** A committed stage: its artifact and the generations of the slices it trained on. */
export const CommittedStageSchema = z.object({
  prefix: z.array(z.number().int()),
  digest: z.string(),
  manifestHash: z.string(),
  generations: z.array(z.number().int()),
  worker: z.string(),
  committedAt: z.string(),
  samplePasses: z.number().int().default(0),
});

/** A stage handed to a worker: its result commits only if these still hold. */
export const AssignmentSchema = z.object({
  prefix: z.array(z.number().int()),
  taskId: z.string(),
  worker: z.string(),
  /** Store revision of the assignment transaction: a result with another epoch is stale. */
  epoch: z.number().int(),
  generations: z.array(z.number().int()),
  startedAt: z.string(),
  attempt: z.number().int().min(1).default(1),
});

export const StageFailureSchema = z.object({
  attempts: z.number().int().min(1),
  lastError: z.string(),
  retryAtMs: z.number(),
  final: z.boolean(),
});

/**
 * One shard's record — the domain state machine's (`shared/src/domain/shard-machine.ts`) — is stored as two keys:
 * the small `gens/<shard>` key (slice generations: all a deletion writes, so a deletion's transaction stays small
 * however many stages a shard has) and `shards/<shard>` (committed stages, assignments, failures). Every write
 * compares both keys' revisions, so a transition always applies to exactly the record it was computed from.
 */
export const GenerationsSchema = z.object({ generations: z.array(z.number().int().min(0)) });

export const ShardBodySchema = z.object({
  committed: z.record(z.string(), CommittedStageSchema),
  training: z.record(z.string(), AssignmentSchema),
  failures: z.record(z.string(), StageFailureSchema).default({}),
  /** Sample-passes of every committed stage result, and of results discarded as stale. */
  samplePasses: z.number().int().default(0),
  discardedSamplePasses: z.number().int().default(0),
});
// Together, the two stored forms are exactly the state machine's record.
export type ShardRecordStored = z.output<typeof ShardBodySchema> & z.output<typeof GenerationsSchema>;
const _sameShape: ShardRecord = {} as ShardRecordStored;
void _sameShape;

export const ReceiptSchema = z.object({
  name: z.string(),
  requestId: z.string(),
  sampleCount: z.number().int(),
  alreadyDeleted: z.number().int(),
  shards: z.array(z.object({ shard: z.number().int(), taintedSlices: z.array(z.number().int()), newlyTaintedSlices: z.array(z.number().int()) })),
  deactivated: z.array(z.object({ shard: z.number().int(), ordering: z.number().int(), stage: z.number().int() })),
  serving: z.array(z.object({ shard: z.number().int(), live: z.boolean(), ordering: z.number().int(), depth: z.number().int() })),
  retrainingScheduled: z.array(z.object({ shard: z.number().int(), ordering: z.number().int(), stage: z.number().int() })),
  revision: z.number().int(),
  acknowledgeTime: z.string(),
});
export type Receipt = z.output<typeof ReceiptSchema>;

/**
 * What a deletion stores of its receipt: per shard, the slices it tainted and each ordering's active depth before
 * and after. Active stages form a prefix of each ordering, so the receipt's stage lists follow from these and the
 * run's orderings (`expandReceipt`): a single-id deletion stays a few hundred bytes, however many stages it touched.
 */
export const StoredReceiptSchema = z.object({
  requestId: z.string(),
  sampleCount: z.number().int(),
  alreadyDeleted: z.number().int(),
  acknowledgeTime: z.string(),
  shards: z.array(
    z.object({
      shard: z.number().int(),
      taintedSlices: z.array(z.number().int()),
      newlyTaintedSlices: z.array(z.number().int()),
      depthsBefore: z.array(z.number().int()),
      depthsAfter: z.array(z.number().int()),
    }),
  ),
});
export type StoredReceipt = z.output<typeof StoredReceiptSchema>;

/**
 * A deletion, or one part of a large one. A deletion whose shards and ids fit one bounded transaction is one record
 * at `deletions/<id>`; a larger one is split by shards into parts `deletions/<id>/<k>`, each committed in its own
 * transaction (its tombstones and generation bumps together, so each part is exact on its own), and the head
 * `deletions/<id>`, written last with the request id, holds the last part and the part count. The receipt fields
 * of each part cover its shards; `sampleCount` is the part's, `alreadyDeleted` the request's (on the head).
 */
export const DeletionRecordSchema = z.object({
  receipt: StoredReceiptSchema,
  /** On the head: how many parts the deletion has (1 for an unsplit one). */
  parts: z.number().int().min(1).default(1),
  /** "<shard>/<slice>" → keyed digests of the ids deleted there (per slice, so a stage task carries only its own). */
  ids: z.record(z.string().regex(/^\d+\/\d+$/), z.array(z.string().regex(/^[0-9a-f]{32}$/))),
  /** Shard → the generation each tainted slice reached with this deletion (retrained once every stage is past it). */
  generations: z.record(z.string(), z.array(z.number().int())),
  retrainCompleteTime: z.string().optional(),
  /** When every artifact trained on the deleted samples was deleted (after retraining). */
  purgeCompleteTime: z.string().optional(),
});
export type DeletionRecord = z.output<typeof DeletionRecordSchema>;

export const WorkerRecordSchema = z.object({
  id: z.string(),
  backend: z.string(),
  gpu: z.string(),
  slots: z.number().int(),
  version: z.string(),
  attachedAt: z.string(),
});
export type WorkerRecord = z.output<typeof WorkerRecordSchema>;

export const LeaderRecordSchema = z.object({ id: z.string(), address: z.string(), since: z.string() });
export type LeaderRecord = z.output<typeof LeaderRecordSchema>;
