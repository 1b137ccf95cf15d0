import { z } from 'zod';

/**
 * When a shard whose stages a deletion deactivated is retrained. S3T keeps serving a clean prefix, so retraining
 * can wait: `eager` retrains at once (one retraining per deletion); `coalesce` waits until the shard's first
 * unretrained deletion is `windowMs` old or `maxDeletions` have gathered, so one retraining covers them all;
 * `capacity` retrains only once the shard serves at a depth below `minServingDepth`, or once the run's estimated
 * deletion capacity left falls below `minCapacityLeft` (then every pending shard); a dead shard always.
 *
 * `scope` says what a retraining that goes covers first: `all` hands out every deactivated stage of the shard;
 * `deepest` hands out first the stages that bring the shard's deepest ordering back to full depth (its cheapest
 * way back to serving everything: the fewest stages left to train) and every ordering's first stage (one slice
 * each: what keeps the shard live through its next deletion), and the other orderings' deeper stages (the reserve,
 * which keeps the next deletion shallow) only with slots no such restoring stage of the run wants, and only once
 * the shard has taken no deletion for `reserveQuietMs` (during a burst the reserve would be tainted again before
 * it served: rebuilding it then is work thrown away).
 */
export const RETRAINING_POLICIES = ['eager', 'coalesce', 'capacity'] as const;
export const RETRAINING_SCOPES = ['all', 'deepest'] as const;

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
    scope: z.enum(RETRAINING_SCOPES).default('all'),
    reserveQuietMs: z.number().int().min(0).max(MAX_RETRAIN_WINDOW_MS).default(0),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.kind === 'coalesce' && p.windowMs === 0 && p.maxDeletions === 0) ctx.addIssue({ code: 'custom', path: ['windowMs'], message: 'coalesce needs windowMs > 0 or maxDeletions > 0' });
    if (p.reserveQuietMs > 0 && p.scope !== 'deepest') ctx.addIssue({ code: 'custom', path: ['reserveQuietMs'], message: 'reserveQuietMs applies only to scope deepest (scope all retrains every stage at once)' });
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

/** Whether a shard's reserve may be rebuilt now (scope `deepest`): no deletion for `reserveQuietMs`. */
export function reserveNow(policy: RetrainingPolicy, lastDeletionMs: number | undefined, nowMs: number): boolean {
  return lastDeletionMs === undefined || nowMs - lastDeletionMs >= policy.reserveQuietMs;
}
