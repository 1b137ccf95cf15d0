import { describe, expect, it } from 'vitest';
import { RetrainingPolicySchema, reserveNow, retrainNow } from './retraining-policy.js';

const p = (o: Record<string, unknown>) => RetrainingPolicySchema.parse(o);

describe('retraining policies', () => {
  it('eager retrains at once; every policy retrains what no deletion is pending on (first training, a new leader)', () => {
    expect(retrainNow(p({}), { sinceMs: 0, deletions: 1 }, 3, 0)).toEqual({ go: true });
    for (const kind of [p({ kind: 'coalesce', windowMs: 1000 }), p({ kind: 'capacity', minServingDepth: 1 })]) expect(retrainNow(kind, undefined, 4, 0).go).toBe(true);
  });

  it('coalesce waits out its window from the first pending deletion, or until enough deletions gathered', () => {
    const c = p({ kind: 'coalesce', windowMs: 1000, maxDeletions: 3 });
    expect(retrainNow(c, { sinceMs: 10_000, deletions: 1 }, 2, 10_500)).toEqual({ go: false, wakeAtMs: 11_000 });
    expect(retrainNow(c, { sinceMs: 10_000, deletions: 1 }, 2, 11_000)).toEqual({ go: true });
    expect(retrainNow(c, { sinceMs: 10_000, deletions: 3 }, 2, 10_001)).toEqual({ go: true });
    expect(retrainNow(p({ kind: 'coalesce', maxDeletions: 2 }), { sinceMs: 0, deletions: 1 }, 2, 1e12)).toEqual({ go: false });
  });

  it('capacity retrains once the shard serves shallower than its threshold (a dead shard always)', () => {
    const c = p({ kind: 'capacity', minServingDepth: 2 });
    expect(retrainNow(c, { sinceMs: 0, deletions: 9 }, 3, 0).go).toBe(false);
    expect(retrainNow(c, { sinceMs: 0, deletions: 1 }, 2, 0).go).toBe(false);
    expect(retrainNow(c, { sinceMs: 0, deletions: 1 }, 1, 0).go).toBe(true);
    expect(retrainNow(c, { sinceMs: 0, deletions: 1 }, 0, 0).go).toBe(true);
  });

  it('capacity also retrains every pending shard once the run can absorb fewer deletions than its threshold', () => {
    const c = p({ kind: 'capacity', minCapacityLeft: 7 });
    expect(retrainNow(c, { sinceMs: 0, deletions: 1 }, 1, 0, 7.33).go).toBe(false);
    expect(retrainNow(c, { sinceMs: 0, deletions: 1 }, 1, 0, 6).go).toBe(true);
    // A dead shard always, whatever the run's capacity left.
    expect(retrainNow(c, { sinceMs: 0, deletions: 1 }, 0, 0, 100).go).toBe(true);
    // Both thresholds: either one triggers.
    const both = p({ kind: 'capacity', minServingDepth: 2, minCapacityLeft: 7 });
    expect(retrainNow(both, { sinceMs: 0, deletions: 1 }, 1, 0, 100).go).toBe(true);
    expect(retrainNow(both, { sinceMs: 0, deletions: 1 }, 3, 0, 6).go).toBe(true);
    expect(retrainNow(both, { sinceMs: 0, deletions: 1 }, 3, 0, 100).go).toBe(false);
  });

  it('scope deepest rebuilds a shard\'s reserve once it has taken no deletion for reserveQuietMs (0: at once)', () => {
    const q = p({ scope: 'deepest', reserveQuietMs: 5000 });
    expect(reserveNow(q, 10_000, 14_999)).toBe(false);
    expect(reserveNow(q, 10_000, 15_000)).toBe(true);
    // No deletion seen (first training, a new leader): at once.
    expect(reserveNow(q, undefined, 0)).toBe(true);
    expect(reserveNow(p({ scope: 'deepest' }), 10_000, 10_000)).toBe(true);
  });

  it('refuses policies that could never retrain, and out-of-range values', () => {
    for (const bad of [{ kind: 'coalesce' }, { kind: 'capacity' }, { kind: 'lazy' }, { windowMs: -1 }, { windowMs: 86_400_001 }, { minCapacityLeft: -1 }, { minCapacityLeft: 1.5 }, { scope: 'shallowest' }, { scope: '' }, { reserveQuietMs: 1000 }, { scope: 'deepest', reserveQuietMs: -1 }, { scope: 'deepest', reserveQuietMs: 86_400_001 }, { extra: 1 }]) expect(RetrainingPolicySchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});
