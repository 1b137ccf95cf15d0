import { z } from 'zod';

/**
 * When a shard whose stages a deletion deactivated is retrained. S3T keeps serving a clean prefix, so retraining
 * can wait: `eager` retrains at once (one retraining per deletion); `coalesce` waits until the shard's first
 * unretrained deletion is `windowMs` old or `maxDeletions` have gathered, so one retraining covers them all;
 * `capacity` retrains only once the shard serves at a depth below `minServingDepth`, or once the run's estimated
 * deletion capacity left falls below `minCapacityLeft` (then every pending shard); a dead shard always.
 */
export const RETRAINING_POLICIES = ['eager', 'coalesce', 'capacity'] as const;

/** Longest coalescing window: a day. */
export const MAX_RETRAIN_WINDOW_MS = 86_400_000;

export const RetrainingPolicySchema = z
  .object({
    kind: z.enum(RETRAINING_POLICIES).default('eager'),
    windowMs: z.number().int().min(0).max(MAX_RETRAIN_WINDOW_MS).default(0),
    maxDeletions: z.number().int().min(0).max(1_000_000).default(0),
    minServingDepth: z.number().int().min(0).max(64).default(0),
    /** Expected uniform single-sample deletions the run can still absorb before every shard is dead (capacity.ts). */
    minCapacityLeft: z.number().int().min(0).max(1_000_000_000).default(0),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.kind === 'coalesce' && p.windowMs === 0 && p.maxDeletions === 0) ctx.addIssue({ code: 'custom', path: ['windowMs'], message: 'coalesce needs windowMs > 0 or maxDeletions > 0' });
    if (p.kind === 'capacity' && p.minServingDepth === 0 && p.minCapacityLeft === 0) {
      ctx.addIssue({ code: 'custom', path: ['minServingDepth'], message: 'capacity needs minServingDepth ≥ 1 (retrain once the shard serves shallower) or minCapacityLeft ≥ 1 (once the run can absorb fewer deletions)' });
    }
  });
export type RetrainingPolicy = z.infer<typeof RetrainingPolicySchema>;

/** Deletions a shard has taken since its retraining last started: when the first came, and how many. */
export interface PendingDeletions {
  readonly sinceMs: number;
  readonly deletions: number;
}

/**
 * Whether to retrain a shard now. `pending` undefined (first training, or a new leader that has not seen the
 * deletions) means go: holding is an optimisation, never a condition of exactness. `capacityLeft`: the run's
 * estimated deletion capacity left (`capacityLeft` in capacity.ts). `wakeAtMs`: when to look again.
 */
export function retrainNow(policy: RetrainingPolicy, pending: PendingDeletions | undefined, servingDepth: number, nowMs: number, capacityLeft = Number.POSITIVE_INFINITY): { go: boolean; wakeAtMs?: number } {
  if (policy.kind === 'eager' || pending === undefined) return { go: true };
  if (policy.kind === 'capacity') {
    return { go: servingDepth === 0 || servingDepth < policy.minServingDepth || (policy.minCapacityLeft > 0 && capacityLeft < policy.minCapacityLeft) };
  }
  if (policy.maxDeletions > 0 && pending.deletions >= policy.maxDeletions) return { go: true };
  if (policy.windowMs > 0) {
    const due = pending.sinceMs + policy.windowMs;
    return nowMs >= due ? { go: true } : { go: false, wakeAtMs: due };
  }
  return { go: false };
}
