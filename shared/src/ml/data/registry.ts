import type { DatasetSpec } from '../../domain/run-spec.js';
import type { Dataset, DatasetIndex } from './dataset.js';
import { loadFileDataset } from './file-dataset.js';
import { loadMnist } from './mnist.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { blobsIndex, makeBlobs } from './synthetic.js';
import { loadBostonHousing, loadCpsWages } from './regression-data.js';

const cache = new Map<string, Dataset>();

/** Loads (once per process) the dataset a run names; coordinator and workers see the same rows and ids. */
export function loadDataset(spec: DatasetSpec): Dataset {
  const key = JSON.stringify(spec);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const d = read(spec);
  cache.set(key, d);
  return d;
}

function read(spec: DatasetSpec): Dataset {
  if (spec.builtin === 'mnist') return loadMnist({ publicFraction: spec.publicFraction, testFraction: spec.testFraction, stride: spec.stride });
  if (spec.builtin === 'fashion-mnist') return loadFashionMnist({ publicFraction: spec.publicFraction, stride: spec.stride });
  if (spec.builtin === 'boston-housing') return loadBostonHousing({ publicFraction: spec.publicFraction, testFraction: spec.testFraction });
  if (spec.builtin === 'cps-wages-1985') return loadCpsWages({ publicFraction: spec.publicFraction, testFraction: spec.testFraction });
  if (spec.builtin === 'blobs') {
    return makeBlobs({
      samples: spec.samples,
      features: spec.features,
      classes: spec.classes,
      publicFraction: spec.publicFraction,
      testFraction: spec.testFraction,
      regression: spec.task === 'regression',
    });
  }
  return loadFileDataset({
    path: spec.uri as string,
    idColumn: spec.idColumn,
    labelColumn: spec.labelColumn,
    task: spec.task,
    publicFraction: spec.publicFraction,
    testFraction: spec.testFraction,
    ...(spec.sha256 === undefined ? {} : { sha256: spec.sha256 }),
  });
}

const indexCache = new Map<string, DatasetIndex>();

/**
 * A dataset's ids, splits and shape, without its features (what the coordinator keeps). Built-in blobs are indexed
 * without generating a feature; MNIST and files are read, and only their index is kept.
 */
export function loadDatasetIndex(spec: DatasetSpec): DatasetIndex {
  const key = JSON.stringify(spec);
  const hit = indexCache.get(key);
  if (hit !== undefined) return hit;
  let index: DatasetIndex;
  if (spec.builtin === 'blobs') {
    index = blobsIndex({ samples: spec.samples, features: spec.features, classes: spec.classes, publicFraction: spec.publicFraction, testFraction: spec.testFraction, regression: spec.task === 'regression' });
  } else {
    // Read without caching the features: only the index outlives this call.
    const { x: _x, y, ...rest } = read(spec);
    index = rest.task === 'classification' ? { ...rest, labels: y } : rest;
  }
  indexCache.set(key, index);
  return index;
}
