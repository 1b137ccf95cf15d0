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
