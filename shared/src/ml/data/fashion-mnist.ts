import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LetheError, ErrorCode } from '../../errors/errors.js';
import type { Dataset } from './dataset.js';

/** Where Debian's `dataset-fashion-mnist` package puts the IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const SIZE = 28 * 28;

export interface FashionMnistOptions {
  /** Share of the training images (per class, by index) used as the public split (pretraining). @default 0.2 */
  readonly publicFraction?: number;
  /** Keep only every n-th image of each file (smaller runs for tests and benchmarks). @default 1 */
  readonly stride?: number;
  readonly dir?: string;
}

function readIdx(path: string, magic: number): Buffer {
  if (!existsSync(path)) {
    throw new LetheError(
      ErrorCode.FAILED_PRECONDITION,
      `Fashion-MNIST is not installed (${path} is missing): install Debian's package with "apt-get install dataset-fashion-mnist"`,
    );
  }
  const buf = gunzipSync(readFileSync(path));
  if (buf.readUInt32BE(0) !== magic) throw new LetheError(ErrorCode.INTERNAL, `${path} is not an IDX file (magic ${buf.readUInt32BE(0)})`);
  return buf;
}

/**
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` (60,000 + 10,000 images, 10 classes, no download). The
 * file's own split decides the test set: the 10,000 `t10k` images are the test split, never trained on; of the
 * 60,000 training images the first `publicFraction` of each class (in file order) pretrain the backbone and the
 * rest are user data. Ids are `fmnist-train-<index>` and `fmnist-test-<index>` (index in the file).
 */
export function loadFashionMnist(options: FashionMnistOptions = {}): Dataset {
  const dir = options.dir ?? FASHION_MNIST_DIR;
  const publicFraction = options.publicFraction ?? 0.2;
  const stride = options.stride ?? 1;
  const parts = (['train', 't10k'] as const).map((name) => {
    const images = readIdx(join(dir, `${name}-images-idx3-ubyte.gz`), 0x803);
    const labels = readIdx(join(dir, `${name}-labels-idx1-ubyte.gz`), 0x801);
    const n = images.readUInt32BE(4);
    if (images.readUInt32BE(8) !== 28 || images.readUInt32BE(12) !== 28 || labels.readUInt32BE(4) !== n) {
      throw new LetheError(ErrorCode.INTERNAL, `Fashion-MNIST ${name} files disagree on their shape`);
    }
    return { name, images, labels, n };
  });
  const chosen = parts.map((p) => ({ ...p, rows: Array.from({ length: Math.ceil(p.n / stride) }, (_, i) => i * stride) }));
  const total = chosen.reduce((s, p) => s + p.rows.length, 0);
  const x = new Float32Array(total * SIZE);
  const y = new Float32Array(total);
  const ids: string[] = [];
  const pub: number[] = [];
  const user: number[] = [];
  const test: number[] = [];
  for (const p of chosen) {
    const perClass = new Array<number>(10).fill(0);
    if (p.name === 'train') for (const i of p.rows) perClass[p.labels[8 + i] as number]!++;
    const seen = new Array<number>(10).fill(0);
    for (const i of p.rows) {
      const row = ids.length;
      const label = p.labels[8 + i] as number;
      ids.push(`fmnist-${p.name === 'train' ? 'train' : 'test'}-${String(i).padStart(5, '0')}`);
      y[row] = label;
      for (let j = 0; j < SIZE; j++) x[row * SIZE + j] = (p.images[16 + i * SIZE + j] as number) / 255;
      if (p.name === 't10k') test.push(row);
      else (seen[label]!++ < Math.round((perClass[label] as number) * publicFraction) ? pub : user).push(row);
    }
  }
  return {
    name: 'fashion-mnist',
    task: 'classification',
    inputShape: [28, 28, 1],
    outputs: 10,
    ids,
    x,
    y,
    split: { public: Int32Array.from(pub), user: Int32Array.from(user), test: Int32Array.from(test) },
  };
}
