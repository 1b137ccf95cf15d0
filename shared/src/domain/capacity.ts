import { invalidArgument } from '../errors/errors.js';
import type { Ordering } from './cyclic.js';
import { survivingDepth } from './impact.js';
import { createRng } from './rng.js';
import { requireInt } from './validate.js';

/** H_n = Σ_{j=1..n} 1/j. */
export function harmonic(n: number): number {
  let h = 0;
  for (let j = 1; j <= n; j++) h += 1 / j;
  return h;
}

/**
 * Expected number of uniform single-sample deletion requests until every shard is dead (spec §5.2):
 * δ = m·L·H(m·min(B, L)). SISA is B = 1: δ = m·L·H(m).
 */
export function capacityClosedForm(shards: number, slices: number, budget: number): number {
  requireInt('shards', shards, 1);
  requireInt('slices', slices, 1);
  requireInt('budget', budget, 1);
  return shards * slices * harmonic(shards * Math.min(budget, slices));
}

/**
 * The run's estimated deletion capacity left: expected further uniform single-sample deletions until every shard is
 * dead, if nothing were retrained. A shard stays live while some ordering's first stage is active, so each (shard,
 * distinct first slice of an active first stage) is a coupon a deletion removes with probability 1/(m·L): with c
 * coupons left the expectation is m·L·H(c) (the closed form above is its value at c = m·min(B, L)).
 */
export function capacityLeft(shards: number, slices: number, liveFirstSlices: number): number {
  requireInt('shards', shards, 1);
  requireInt('slices', slices, 1);
  requireInt('liveFirstSlices', liveFirstSlices, 0);
  return shards * slices * harmonic(liveFirstSlices);
}

export interface CapacitySimulation {
  readonly mean: number;
  readonly sd: number;
  readonly trials: number;
}

export interface SimulateCapacityOptions {
  readonly shards: number;
  /** The orderings every shard trains (the same set for each shard, on its local slice indices). */
  readonly orderings: readonly Ordering[];
  readonly trials: number;
  readonly seed: number;
}

/**
 * Monte-Carlo: each request taints a uniform (shard, slice); count requests until every shard has no
 * ordering with a clean first slice. Same seed, same result.
 */
export function simulateCapacity(options: SimulateCapacityOptions): CapacitySimulation {
  const { shards, orderings, trials, seed } = options;
  requireInt('shards', shards, 1);
  requireInt('trials', trials, 1, 10_000_000);
  if (orderings.length === 0) throw invalidArgument('orderings must not be empty', { field: 'orderings' });
  const L = (orderings[0] as Ordering).length;
  const firstSlices = [...new Set(orderings.map((o) => o[0] as number))];
  const rng = createRng(seed);
  const counts: number[] = [];
  for (let t = 0; t < trials; t++) {
    const tainted = Array.from({ length: shards }, () => new Set<number>());
    let alive = shards;
    let requests = 0;
    while (alive > 0) {
      requests++;
      const shard = rng.int(0, shards - 1);
      const set = tainted[shard] as Set<number>;
      const slice = rng.int(0, L - 1);
      if (set.has(slice)) continue;
      const wasAlive = firstSlices.some((s) => !set.has(s));
      set.add(slice);
      if (wasAlive && firstSlices.every((s) => set.has(s))) alive--;
    }
    counts.push(requests);
  }
  const mean = counts.reduce((a, b) => a + b, 0) / trials;
  const variance = trials > 1 ? counts.reduce((a, c) => a + (c - mean) ** 2, 0) / (trials - 1) : 0;
  return { mean, sd: Math.sqrt(variance), trials };
}

/**
 * Exact probability that, after r uniform deletions hitting one shard, the best ordering keeps depth ≥ k
 * (spec §5.3). Computed by a Markov chain over tainted-slice subsets, so it is exact and needs no sampling.
 */
export function retentionExact(orderings: readonly Ordering[], k: number, r: number): number {
  if (orderings.length === 0) throw invalidArgument('orderings must not be empty', { field: 'orderings' });
  const L = (orderings[0] as Ordering).length;
  requireInt('slices', L, 1, 20);
  requireInt('k', k, 0, L);
  requireInt('r', r, 0, 10_000);
  let dist = new Float64Array(1 << L);
  dist[0] = 1;
  for (let step = 0; step < r; step++) {
    const next = new Float64Array(1 << L);
    dist.forEach((p, mask) => {
      if (p === 0) return;
      for (let s = 0; s < L; s++) next[mask | (1 << s)] = (next[mask | (1 << s)] ?? 0) + p / L;
    });
    dist = next;
  }
  let total = 0;
  dist.forEach((p, mask) => {
    if (p === 0) return;
    const tainted = new Set<number>();
    for (let s = 0; s < L; s++) if (mask & (1 << s)) tainted.add(s);
    if (orderings.some((o) => survivingDepth(o, tainted) >= k)) total += p;
  });
  return total;
}

/** The independence approximation 1 − (1 − (1 − k/L)^r)^{B'} reported for S3T (conservative for Latin sets). */
export function retentionApproximation(L: number, budget: number, k: number, r: number): number {
  const alpha = (1 - k / L) ** r;
  let permsOfK = 1;
  for (let i = 0; i < k; i++) permsOfK *= L - i;
  const bPrime = Math.min(budget, permsOfK);
  return 1 - (1 - alpha) ** bPrime;
}
