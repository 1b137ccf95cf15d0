import { linearSumAssignment } from 'linear-sum-assignment';
import { invalidArgument } from '../errors/errors.js';
import type { Ordering } from './cyclic.js';
import { requireBudget } from './cyclic.js';
import { createRng, type Rng } from './rng.js';

/** Tolerance on Σp = 1 (priors usually come from floating-point estimates). */
const PRIOR_SUM_TOLERANCE = 1e-6;
/** Stands in for −∞ in the matching (the solver needs finite costs); scores are at most L², far above this. */
const FORBIDDEN = -1e12;

export interface BmsOptions {
  /** Deletion probability of each slice of a shard; non-negative, sums to 1. Its length is L. */
  readonly prior: readonly number[];
  /** Horizon t: roughly the number of deletions expected per shard over the planning horizon. */
  readonly horizon: number;
  /** Number of orderings B, 1 ≤ B ≤ L!. */
  readonly budget: number;
  /** Seed of the top-up sampling used only when B > L. @default 0 */
  readonly seed?: number;
}

export function validatePrior(prior: readonly number[]): void {
  if (prior.length === 0) throw invalidArgument('prior must have one probability per slice', { field: 'prior' });
  prior.forEach((p, j) => {
    if (!Number.isFinite(p) || p < 0) {
      throw invalidArgument(`prior[${j}] must be a finite non-negative number, got ${String(p)}`, { field: 'prior' });
    }
  });
  const sum = prior.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > PRIOR_SUM_TOLERANCE) {
    throw invalidArgument(`prior must sum to 1, got ${sum}`, { field: 'prior' });
  }
}

/**
 * BMS score of a (partial) ordering σ: Σ_{i=1..|σ|} i·(1 − P_i)^t with P_i = Σ_{j≤i} p[σ_j] (spec §3.2).
 * Clamped at 0 so rounding of P_i slightly above 1 never produces a negative base.
 */
export function bmsScore(order: Ordering, prior: readonly number[], horizon: number): number {
  let cumulative = 0;
  let score = 0;
  order.forEach((slice, i) => {
    cumulative += prior[slice] ?? 0;
    score += (i + 1) * Math.max(0, 1 - cumulative) ** horizon;
  });
  return score;
}

/**
 * BMS sequence selection: L partial sequences grown one position at a time by a maximum-weight perfect
 * matching (Hungarian / Jonker–Volgenant) between sequences and unused slices. The L results form a Latin
 * square; they are ranked by score and the top B kept. For B > L, further distinct orderings are sampled
 * with slice weights ∝ (1 − p_j), as the reference code's conditional sampling does.
 */
export function bmsSelect(options: BmsOptions): Ordering[] {
  const { prior, horizon, budget } = options;
  validatePrior(prior);
  const L = prior.length;
  requireBudget(L, budget);
  if (!Number.isFinite(horizon) || horizon <= 0) {
    throw invalidArgument(`horizon must be a positive number, got ${String(horizon)}`, { field: 'horizon' });
  }
  const seqs: number[][] = Array.from({ length: L }, (_, j) => [j]);
  for (let level = 1; level < L; level++) {
    const weights = seqs.map((seq) =>
      Array.from({ length: L }, (_, j) => (seq.includes(j) ? FORBIDDEN : bmsScore([...seq, j], prior, horizon))),
    );
    const match = maxWeightPerfectMatching(weights);
    seqs.forEach((seq, r) => seq.push(match[r] as number));
  }
  const ranked = seqs
    .map((seq, index) => ({ seq, index, score: bmsScore(seq, prior, horizon) }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((x) => x.seq);
  if (budget <= L) return ranked.slice(0, budget);
  return topUp(ranked, prior, budget, createRng(options.seed ?? 0));
}

/** Row → column of a maximum-weight perfect matching on a square matrix. */
function maxWeightPerfectMatching(weights: number[][]): number[] {
  const { rowAssignments } = linearSumAssignment(weights, { maximaze: true });
  const match = Array.from(rowAssignments, (c) => c);
  match.forEach((c, r) => {
    if (c < 0 || (weights[r]?.[c] ?? FORBIDDEN) <= FORBIDDEN) {
      throw new Error(`BMS matching produced an invalid assignment for row ${r}`);
    }
  });
  return match;
}

/** Attempts per missing ordering before falling back to lexicographic enumeration. */
const SAMPLING_ATTEMPTS = 200;

function topUp(initial: number[][], prior: readonly number[], budget: number, rng: Rng): Ordering[] {
  const out = [...initial];
  const seen = new Set(out.map((o) => o.join(',')));
  const add = (o: number[]): void => {
    const key = o.join(',');
    if (seen.has(key)) return;
    seen.add(key);
    out.push(o);
  };
  for (let attempts = 0; out.length < budget && attempts < SAMPLING_ATTEMPTS * budget; attempts++) {
    add(samplePermutation(prior, rng));
  }
  // Near B = L! rejection sampling stalls; enumerate the remaining permutations in lexicographic order.
  for (const perm of permutations(prior.length)) {
    if (out.length >= budget) break;
    add(perm);
  }
  return out;
}

function samplePermutation(prior: readonly number[], rng: Rng): number[] {
  const remaining = prior.map((_, j) => j);
  const order: number[] = [];
  while (remaining.length > 0) {
    const weights = remaining.map((j) => 1 - (prior[j] ?? 0));
    const total = weights.reduce((a, b) => a + b, 0);
    let pick = remaining.length - 1;
    if (total > 0) {
      let u = rng.float() * total;
      pick = weights.findIndex((w) => (u -= w) < 0);
      if (pick < 0) pick = remaining.length - 1;
    } else {
      pick = rng.int(0, remaining.length - 1);
    }
    order.push(remaining.splice(pick, 1)[0] as number);
  }
  return order;
}

function* permutations(L: number): Generator<number[]> {
  const a = Array.from({ length: L }, (_, i) => i);
  yield [...a];
  for (;;) {
    let i = L - 2;
    while (i >= 0 && (a[i] as number) > (a[i + 1] as number)) i--;
    if (i < 0) return;
    let j = L - 1;
    while ((a[j] as number) < (a[i] as number)) j--;
    [a[i], a[j]] = [a[j] as number, a[i] as number];
    a.splice(i + 1, L - i - 1, ...a.slice(i + 1).reverse());
    yield [...a];
  }
}
