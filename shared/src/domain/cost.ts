import { invalidArgument } from '../errors/errors.js';
import type { Ordering } from './cyclic.js';
import { identityOrdering, stagePrefixKey, type StageRef } from './impact.js';
import { requireInt } from './validate.js';

/**
 * Training cost in sample-passes: one sample through one training step of one epoch counts 1.
 * Stage i of ordering π trains E epochs on the cumulative slices π[0..i-1] (spec §2.7). Orderings that share a
 * prefix share its stages, so with `sharePrefixes` each distinct prefix is paid once (the trie).
 */
export interface ShardCostInput {
  /** Samples in each slice of the shard (after removing deleted samples, when costing a retrain). */
  readonly sliceSizes: readonly number[];
  readonly orderings: readonly Ordering[];
}

function requireSizes(sliceSizes: readonly number[], L: number): void {
  if (sliceSizes.length !== L) throw invalidArgument(`sliceSizes must have ${L} entries`, { field: 'sliceSizes' });
  sliceSizes.forEach((n, j) => requireInt(`sliceSizes[${j}]`, n, 0));
}

function stageSamples(order: Ordering, stage: number, sliceSizes: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < stage; i++) n += sliceSizes[order[i] as number] ?? 0;
  return n;
}

/** Sample-passes to train the given stages once, each distinct prefix once when `sharePrefixes`. */
export function stagesCost(
  shard: ShardCostInput,
  stages: readonly StageRef[],
  epochs: number,
  sharePrefixes = true,
): number {
  requireInt('epochs', epochs, 1);
  const L = (shard.orderings[0] ?? []).length;
  requireSizes(shard.sliceSizes, L);
  const paid = new Set<string>();
  let total = 0;
  for (const { ordering, stage } of stages) {
    const order = shard.orderings[ordering];
    if (order === undefined) throw invalidArgument(`ordering ${ordering} does not exist`, { field: 'ordering' });
    const key = stagePrefixKey(order, stage);
    if (sharePrefixes && paid.has(key)) continue;
    paid.add(key);
    total += epochs * stageSamples(order, stage, shard.sliceSizes);
  }
  return total;
}

/** Every stage of every ordering of a shard. */
export function allStages(orderings: readonly Ordering[]): StageRef[] {
  return orderings.flatMap((order, ordering) => order.map((_, i) => ({ ordering, stage: i + 1 })));
}

export interface TrainingCost {
  /** S3T with prefix sharing (what Lethe pays). */
  readonly s3t: number;
  /** S3T without prefix sharing (the reference code's cost). */
  readonly s3tWithoutSharing: number;
  /** SISA: one identity ordering per shard, the same epochs per stage. */
  readonly sisa: number;
  /** One model trained on all the data for the same number of epochs. */
  readonly full: number;
}

/** Cost of training a whole run: `shards[s]` holds shard s's slice sizes; every shard trains `orderings`. */
export function runTrainingCost(shards: readonly (readonly number[])[], orderings: readonly Ordering[], epochs: number): TrainingCost {
  if (orderings.length === 0) throw invalidArgument('orderings must not be empty', { field: 'orderings' });
  const L = (orderings[0] as Ordering).length;
  const sisaOrderings = [identityOrdering(L)];
  let s3t = 0;
  let s3tWithoutSharing = 0;
  let sisa = 0;
  let samples = 0;
  for (const sliceSizes of shards) {
    const shard = { sliceSizes, orderings };
    s3t += stagesCost(shard, allStages(orderings), epochs, true);
    s3tWithoutSharing += stagesCost(shard, allStages(orderings), epochs, false);
    sisa += stagesCost({ sliceSizes, orderings: sisaOrderings }, allStages(sisaOrderings), epochs);
    samples += sliceSizes.reduce((a, b) => a + b, 0);
  }
  return { s3t, s3tWithoutSharing, sisa, full: samples * epochs };
}

/** Evenly split N samples into m shards of L slices (remainders go to the first slices). */
export function uniformSliceSizes(samples: number, shards: number, slices: number): number[][] {
  requireInt('samples', samples, 0);
  requireInt('shards', shards, 1);
  requireInt('slices', slices, 1);
  const cells = shards * slices;
  return Array.from({ length: shards }, (_, s) =>
    Array.from({ length: slices }, (_, j) => Math.floor(samples / cells) + (s * slices + j < samples % cells ? 1 : 0)),
  );
}

/**
 * Sample-passes to bring one shard back to full depth once `tainted` slices hold deleted samples: S3T retrains
 * stages d(π)+1..L of each ordering on the cleaned slices (shared prefixes once); SISA retrains its single
 * identity ordering from the checkpoint before the first tainted slice.
 */
export function retrainCost(
  shard: ShardCostInput,
  tainted: Iterable<number>,
  epochs: number,
): { readonly s3t: number; readonly sisa: number } {
  const taintedSet = new Set(tainted);
  const L = (shard.orderings[0] ?? []).length;
  const sisaOrderings = [identityOrdering(L)];
  const stale = (orderings: readonly Ordering[]): StageRef[] =>
    allStages(orderings).filter(({ ordering, stage }) =>
      (orderings[ordering] as Ordering).slice(0, stage).some((s) => taintedSet.has(s)),
    );
  return {
    s3t: stagesCost(shard, stale(shard.orderings), epochs),
    sisa: stagesCost({ sliceSizes: shard.sliceSizes, orderings: sisaOrderings }, stale(sisaOrderings), epochs),
  };
}
