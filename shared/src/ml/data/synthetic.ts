import { createRng } from '../../domain/rng.js';
import type { Dataset, DatasetIndex } from './dataset.js';

export interface BlobsOptions {
  readonly samples: number;
  readonly features?: number;
  readonly classes?: number;
  readonly seed?: number;
  readonly publicFraction?: number;
  readonly testFraction?: number;
  /** Regression target (a fixed linear function of the features) instead of class labels. */
  readonly regression?: boolean;
}

/** Seeded Gaussian blobs: a small, fast dataset for tests and benchmarks (ids `blob-<n>`). */
export function makeBlobs(o: BlobsOptions): Dataset {
  const D = o.features ?? 16;
  const C = o.classes ?? 4;
  const rng = createRng(o.seed ?? 1);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const centers = Array.from({ length: C }, () => Array.from({ length: D }, () => gauss() * 1.5));
  const weights = Array.from({ length: D }, () => gauss());
  const x = new Float32Array(o.samples * D);
  const y = new Float32Array(o.samples);
  for (let i = 0; i < o.samples; i++) {
    const c = i % C;
    let target = 0;
    for (let j = 0; j < D; j++) {
      const v = (centers[c]?.[j] ?? 0) + gauss();
      x[i * D + j] = v;
      target += v * (weights[j] ?? 0);
    }
    y[i] = o.regression === true ? target / Math.sqrt(D) : c;
  }
  const { labels: _labels, ...index } = blobsIndex(o);
  return { ...index, x, y };
}

/** The blobs' ids, splits and shape without generating a feature: `blob-<n>`, split by position. */
export function blobsIndex(o: BlobsOptions): DatasetIndex {
  const D = o.features ?? 16;
  const C = o.classes ?? 4;
  const pf = o.publicFraction ?? 0.2;
  const tf = o.testFraction ?? 0.2;
  const split = { public: [] as number[], user: [] as number[], test: [] as number[] };
  for (let i = 0; i < o.samples; i++) {
    const u = i / o.samples;
    (u < pf ? split.public : u >= 1 - tf ? split.test : split.user).push(i);
  }
  return {
    name: 'blobs',
    task: o.regression === true ? 'regression' : 'classification',
    inputShape: [D],
    outputs: o.regression === true ? 1 : C,
    ids: Array.from({ length: o.samples }, (_, i) => `blob-${i}`),
    split: { public: Int32Array.from(split.public), user: Int32Array.from(split.user), test: Int32Array.from(split.test) },
    ...(o.regression === true ? {} : { labels: Float32Array.from({ length: o.samples }, (_, i) => i % C) }),
  };
}

/**
 * Concepts-8: 8 classes made of 12 binary latent concepts (2–3 per class, some shared between classes), x = A·z +
 * noise. A sample shows each concept of its class with probability 0.9 and any other with 0.05, so concepts and
 * classes are not the same thing. Gives ground truth for concept ranking and donor choice (class unlearning tests).
 */
export const CONCEPTS_OF_CLASS: readonly (readonly number[])[] = [[0, 1], [1, 2], [3, 4], [4, 5, 6], [7, 8], [8, 9], [10, 11], [0, 5, 10]];
export const CONCEPT_COUNT = 12;

export function makeConceptData(o: { samples: number; features?: number; seed?: number; noise?: number }): Dataset & { readonly z: Uint8Array } {
  const D = o.features ?? 24;
  const C = CONCEPTS_OF_CLASS.length;
  const rng = createRng(o.seed ?? 1);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const A = Array.from({ length: CONCEPT_COUNT }, () => Array.from({ length: D }, () => gauss()));
  const x = new Float32Array(o.samples * D);
  const y = new Float32Array(o.samples);
  const z = new Uint8Array(o.samples * CONCEPT_COUNT);
  for (let i = 0; i < o.samples; i++) {
    const c = i % C;
    const own = new Set(CONCEPTS_OF_CLASS[c]);
    for (let k = 0; k < CONCEPT_COUNT; k++) z[i * CONCEPT_COUNT + k] = rng.float() < (own.has(k) ? 0.9 : 0.05) ? 1 : 0;
    for (let j = 0; j < D; j++) {
      let v = (o.noise ?? 0.3) * gauss();
      for (let k = 0; k < CONCEPT_COUNT; k++) if (z[i * CONCEPT_COUNT + k] === 1) v += A[k]?.[j] ?? 0;
      x[i * D + j] = v;
    }
    y[i] = c;
  }
  const { labels: _labels, ...index } = blobsIndex({ samples: o.samples, features: D, classes: C });
  return { ...index, name: 'concepts-8', x, y, z };
}
