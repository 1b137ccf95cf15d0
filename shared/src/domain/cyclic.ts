import { invalidArgument } from '../errors/errors.js';
import { factorial, requireInt } from './validate.js';
import { MAX_SLICES } from './placement.js';

export type Ordering = readonly number[];

function rotateRight<T>(xs: readonly T[], r: number): T[] {
  const k = xs.length;
  if (k === 0) return [];
  const s = ((r % k) + k) % k;
  return [...xs.slice(k - s), ...xs.slice(0, k - s)];
}

/** Validates 1 ≤ B ≤ L! with a message that names the limit. */
export function requireBudget(L: number, B: number): void {
  requireInt('slices', L, 1, MAX_SLICES);
  requireInt('budget', B, 1);
  const max = factorial(L);
  if (B > max) throw invalidArgument(`budget must be at most L! = ${max} for L = ${L}, got ${B}`, { field: 'budget' });
}

/**
 * Iterative cyclic rotation (spec §3.1): a balanced quota split over the permutation tree using suffix
 * rotations. For B ≤ L the result is the first B right-rotations of the identity (a Latin rectangle); for
 * B > L every slice is first ⌊B/L⌋ or ⌈B/L⌉ times and siblings differ at their branching position.
 */
export function cyclicSelect(L: number, B: number): Ordering[] {
  requireBudget(L, B);
  const out: number[][] = [];
  const split = (prefix: number[], rest: number[], q: number): void => {
    if (q === 0) return;
    if (q === 1 || rest.length <= 1) {
      out.push([...prefix, ...rest]);
      return;
    }
    const k = rest.length;
    const base = Math.floor(q / k);
    const extra = q % k;
    for (let r = 0; r < k; r++) {
      const qr = base + (r < extra ? 1 : 0);
      if (qr === 0) continue;
      const rot = rotateRight(rest, r);
      split([...prefix, rot[0] as number], rot.slice(1), qr);
    }
  };
  split([], Array.from({ length: L }, (_, i) => i), B);
  return out;
}

/** Average pairwise Hamming distance, the diversity measure of the S3T evaluation. */
export function averageHammingDistance(orderings: readonly Ordering[]): number {
  let total = 0;
  let pairs = 0;
  for (let a = 0; a < orderings.length; a++) {
    for (let b = a + 1; b < orderings.length; b++) {
      const x = orderings[a] as Ordering;
      const y = orderings[b] as Ordering;
      total += x.reduce((d, v, i) => d + (v === y[i] ? 0 : 1), 0);
      pairs++;
    }
  }
  return pairs === 0 ? 0 : total / pairs;
}
