import {
  averageHammingDistance,
  bmsSelect,
  capacityClosedForm,
  cyclicSelect,
  identityOrdering,
  runTrainingCost,
  simulateCapacity,
  uniformSliceSizes,
  type Ordering,
} from '../../../shared/src/domain/index.js';
import { invalidArgument } from '../../../shared/src/errors/errors.js';

import type { SelectionMethod } from './selection-methods.js';

export { SELECTION_METHODS, type SelectionMethod } from './selection-methods.js';

export interface PlanOptions {
  readonly shards: number;
  readonly slices: number;
  readonly budget: number;
  readonly selection: SelectionMethod;
  /** BMS only: per-slice deletion prior; uniform when absent. */
  readonly prior?: readonly number[];
  /** BMS only. @default 10 */
  readonly horizon?: number;
  /** User samples the plan is costed for. */
  readonly samples: number;
  /** Epochs per stage. */
  readonly epochs: number;
  /** Monte-Carlo trials of the capacity simulation. */
  readonly trials: number;
  readonly seed: number;
}

export interface CapacityFigures {
  readonly closedForm: number;
  /** Mean requests until every shard is dead, over `trials` seeded simulations. */
  readonly simulated: number;
  readonly simulatedSd: number;
  readonly trials: number;
}

export interface PlanReport {
  readonly shards: number;
  readonly slices: number;
  readonly budget: number;
  readonly selection: SelectionMethod;
  /** The orderings every shard trains, on its local slice indices. */
  readonly orderings: number[][];
  readonly averageHammingDistance: number;
  readonly capacity: { readonly s3t: CapacityFigures; readonly sisa: CapacityFigures; readonly gain: number };
  readonly trainingCost: {
    readonly samples: number;
    readonly epochs: number;
    /** S3T with shared prefixes trained once. */
    readonly samplePasses: number;
    readonly samplePassesWithoutSharing: number;
    readonly sisaSamplePasses: number;
    readonly fullSamplePasses: number;
  };
}

export function selectOrderings(options: Pick<PlanOptions, 'slices' | 'budget' | 'selection' | 'prior' | 'horizon' | 'seed'>): Ordering[] {
  const { slices, budget, selection } = options;
  if (selection === 'cyclic') {
    if (options.prior !== undefined) throw invalidArgument('--prior applies only to --selection bms', { field: 'prior' });
    return cyclicSelect(slices, budget);
  }
  const prior = options.prior ?? Array.from({ length: slices }, () => 1 / slices);
  if (prior.length !== slices) {
    throw invalidArgument(`prior must have one probability per slice (${slices}), got ${prior.length}`, { field: 'prior' });
  }
  return bmsSelect({ prior, horizon: options.horizon ?? 10, budget, seed: options.seed });
}

function capacity(shards: number, slices: number, budget: number, orderings: readonly Ordering[], trials: number, seed: number): CapacityFigures {
  const sim = simulateCapacity({ shards, orderings, trials, seed });
  return { closedForm: capacityClosedForm(shards, slices, budget), simulated: sim.mean, simulatedSd: sim.sd, trials };
}

/** Everything `lethe plan` prints: orderings, deletion capacity against SISA, and training cost. */
export function makePlanReport(options: PlanOptions): PlanReport {
  const orderings = selectOrderings(options);
  const { shards, slices, budget } = options;
  const s3t = capacity(shards, slices, budget, orderings, options.trials, options.seed);
  const sisa = capacity(shards, slices, 1, [identityOrdering(slices)], options.trials, options.seed);
  const cost = runTrainingCost(uniformSliceSizes(options.samples, shards, slices), orderings, options.epochs);
  return {
    shards,
    slices,
    budget,
    selection: options.selection,
    orderings: orderings.map((o) => [...o]),
    averageHammingDistance: averageHammingDistance(orderings),
    capacity: { s3t, sisa, gain: s3t.closedForm / sisa.closedForm },
    trainingCost: {
      samples: options.samples,
      epochs: options.epochs,
      samplePasses: cost.s3t,
      samplePassesWithoutSharing: cost.s3tWithoutSharing,
      sisaSamplePasses: cost.sisa,
      fullSamplePasses: cost.full,
    },
  };
}
