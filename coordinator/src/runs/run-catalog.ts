import { placeSample } from '../../../shared/src/domain/placement.js';
import type { RunSpec } from '../../../shared/src/domain/run-spec.js';
import type { DatasetIndex } from '../../../shared/src/ml/data/dataset.js';
import { loadDatasetIndex } from '../../../shared/src/ml/data/registry.js';

/** Per-run lookup of sample ids: which rows are user data, and where each lives. Built once per run and process. */
export interface RunSamples {
  /** Ids, splits and shape only: the coordinator never holds a run's features. */
  readonly dataset: DatasetIndex;
  /** Row of each id of the dataset. */
  readonly rowOf: ReadonlyMap<string, number>;
  readonly userRows: ReadonlySet<number>;
  readonly publicRows: ReadonlySet<number>;
  place(id: string): { shard: number; slice: number };
}

const cache = new Map<string, RunSamples>();

export function runSamples(run: string, salt: string, spec: RunSpec): RunSamples {
  const key = `${run}\u0000${salt}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const dataset = loadDatasetIndex(spec.dataset);
  const rowOf = new Map<string, number>();
  dataset.ids.forEach((id, row) => rowOf.set(id, row));
  const samples: RunSamples = {
    dataset,
    rowOf,
    userRows: new Set(dataset.split.user),
    publicRows: new Set(dataset.split.public),
    place: (id) => placeSample(salt, id, spec.shards, spec.slices),
  };
  cache.set(key, samples);
  return samples;
}
