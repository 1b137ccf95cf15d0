import type { DatasetSpec } from '../../domain/run-spec.js';
import type { Dataset } from './dataset.js';
import { loadFileDataset } from './file-dataset.js';
import { loadMnist } from './mnist.js';
import { makeBlobs } from './synthetic.js';

const cache = new Map<string, Dataset>();

/** Loads (once per process) the dataset a run names; coordinator and workers see the same rows and ids. */
export function loadDataset(spec: DatasetSpec): Dataset {
  const key = JSON.stringify(spec);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let d: Dataset;
  if (spec.builtin === 'mnist') d = loadMnist({ publicFraction: spec.publicFraction, testFraction: spec.testFraction, stride: spec.stride });
  else if (spec.builtin === 'blobs') {
    d = makeBlobs({
      samples: spec.samples,
      features: spec.features,
      classes: spec.classes,
      publicFraction: spec.publicFraction,
      testFraction: spec.testFraction,
      regression: spec.task === 'regression',
    });
  } else {
    d = loadFileDataset({
      path: spec.uri as string,
      idColumn: spec.idColumn,
      labelColumn: spec.labelColumn,
      task: spec.task,
      publicFraction: spec.publicFraction,
      testFraction: spec.testFraction,
      ...(spec.sha256 === undefined ? {} : { sha256: spec.sha256 }),
    });
  }
  cache.set(key, d);
  return d;
}
