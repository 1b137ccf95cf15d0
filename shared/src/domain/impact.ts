import { invalidArgument } from '../errors/errors.js';
import type { Ordering } from './cyclic.js';

/** A stage of one ordering of a shard; stages are 1-based: stage i trained on the slices π[0..i-1]. */
export interface StageRef {
  readonly ordering: number;
  readonly stage: number;
}

/** Which model serves a shard: the ordering with the longest clean prefix at that depth, or none. */
export type ServingChoice = { readonly ordering: number; readonly depth: number } | null;

/** d(π) = index of the first tainted slice in π, or L when none is tainted (spec §4.2). */
export function survivingDepth(order: Ordering, tainted: ReadonlySet<number>): number {
  const i = order.findIndex((slice) => tainted.has(slice));
  return i < 0 ? order.length : i;
}

/** A stage is active iff none of its cumulative slices π[0..stage-1] is tainted. */
export function isStageActive(order: Ordering, stage: number, tainted: ReadonlySet<number>): boolean {
  return stage <= survivingDepth(order, tainted);
}

/** Longest clean prefix, ties to the first ordering; null when every ordering is dead (depth 0). */
export function servingChoice(orderings: readonly Ordering[], tainted: ReadonlySet<number>): ServingChoice {
  let best: ServingChoice = null;
  orderings.forEach((order, ordering) => {
    const depth = survivingDepth(order, tainted);
    if (depth > 0 && (best === null || depth > best.depth)) best = { ordering, depth };
  });
  return best;
}

/** The key of a stage in the prefix trie: orderings sharing a prefix share the stage's checkpoint. */
export function stagePrefixKey(order: Ordering, stage: number): string {
  return order.slice(0, stage).join('.');
}

export interface DeletionImpact {
  readonly taintedBefore: readonly number[];
  readonly taintedAfter: readonly number[];
  /** Slices tainted by this deletion that were clean before. */
  readonly newlyTainted: readonly number[];
  readonly depthsBefore: readonly number[];
  readonly depthsAfter: readonly number[];
  /** Stages active before and inactive after: what this deletion switches off. */
  readonly deactivated: readonly StageRef[];
  /** Every inactive stage after the deletion: stages d(π)+1..L of each ordering that lost depth. */
  readonly retrain: readonly StageRef[];
  readonly servingBefore: ServingChoice;
  readonly servingAfter: ServingChoice;
  /** False when every deleted slice was already tainted: no model changes. */
  readonly changed: boolean;
}

/**
 * The effect of deleting samples in `deletedSlices` of one shard whose orderings are `orderings` and whose
 * already-tainted slices are `taintedBefore`. SISA is the case of a single identity ordering.
 */
export function deletionImpact(
  orderings: readonly Ordering[],
  taintedBefore: Iterable<number>,
  deletedSlices: Iterable<number>,
): DeletionImpact {
  if (orderings.length === 0) throw invalidArgument('a shard needs at least one ordering', { field: 'orderings' });
  const L = (orderings[0] as Ordering).length;
  const before = new Set(taintedBefore);
  const after = new Set(before);
  const newlyTainted: number[] = [];
  for (const s of deletedSlices) {
    if (!Number.isInteger(s) || s < 0 || s >= L) throw invalidArgument(`slice ${s} is outside 0..${L - 1}`);
    if (!after.has(s)) newlyTainted.push(s);
    after.add(s);
  }
  const depthsBefore = orderings.map((o) => survivingDepth(o, before));
  const depthsAfter = orderings.map((o) => survivingDepth(o, after));
  const deactivated: StageRef[] = [];
  const retrain: StageRef[] = [];
  orderings.forEach((order, ordering) => {
    const dBefore = depthsBefore[ordering] as number;
    const dAfter = depthsAfter[ordering] as number;
    for (let stage = dAfter + 1; stage <= order.length; stage++) {
      retrain.push({ ordering, stage });
      if (stage <= dBefore) deactivated.push({ ordering, stage });
    }
  });
  const sortNum = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);
  return {
    taintedBefore: sortNum(before),
    taintedAfter: sortNum(after),
    newlyTainted: sortNum(newlyTainted),
    depthsBefore,
    depthsAfter,
    deactivated,
    retrain,
    servingBefore: servingChoice(orderings, before),
    servingAfter: servingChoice(orderings, after),
    changed: deactivated.length > 0,
  };
}

/** The SISA baseline: one identity ordering; after a deletion it retrains from the checkpoint before the slice. */
export function identityOrdering(L: number): Ordering {
  return Array.from({ length: L }, (_, i) => i);
}
