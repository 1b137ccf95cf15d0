import { createHash } from 'node:crypto';

export type TaskKind = 'classification' | 'regression';

/**
 * A dataset with stable string sample ids. Rows are stored once (row-major features); the splits index them.
 * The public split pretrains the frozen backbone and is never deletable; the test split is never trained on;
 * the user split is what S3T shards, slices and deletes.
 */
export interface Dataset {
  readonly name: string;
  readonly task: TaskKind;
  readonly inputShape: readonly number[];
  /** Classes (classification) or 1 (regression). */
  readonly outputs: number;
  readonly ids: readonly string[];
  /** N × D features, row-major. */
  readonly x: Float32Array;
  /** Class index or regression target per row. */
  readonly y: Float32Array;
  readonly split: { readonly public: Int32Array; readonly user: Int32Array; readonly test: Int32Array };
  /** sha256 of a file dataset's bytes: what names it, so every process trains on exactly the same data. */
  readonly contentDigest?: string;
}

/**
 * What the coordinator needs of a dataset: its ids, splits and shape, not its features. It places samples and
 * checks id lists from this alone, so a run over millions of samples costs it the ids, not the data.
 */
export type DatasetIndex = Omit<Dataset, 'x' | 'y'> & {
  /** Class labels (classification only; 4 bytes a row): what class-wise forgetting selects by. */
  readonly labels?: Float32Array;
};

export function featureWidth(d: Pick<Dataset, 'inputShape'>): number {
  return d.inputShape.reduce((a, b) => a * b, 1);
}

/** Copies the rows `rows` into a new contiguous block (for tensors and thread transfer). */
export function gatherRows(d: Dataset, rows: ArrayLike<number>): { x: Float32Array; y: Float32Array } {
  const D = featureWidth(d);
  const x = new Float32Array(rows.length * D);
  const y = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    x.set(d.x.subarray(r * D, (r + 1) * D), i * D);
    y[i] = d.y[r] as number;
  }
  return { x, y };
}

/** sha256 over the sorted sample ids, newline-separated: the identity of a training set. */
export function sampleIdsHash(ids: readonly string[]): string {
  return createHash('sha256').update([...ids].sort().join('\n'), 'utf8').digest('hex');
}

/** Deterministic split by id hash, for files without a split column. */
export function splitByIdHash(id: string, publicFraction: number, testFraction: number): 'public' | 'user' | 'test' {
  const u = createHash('sha256').update(`lethe/v1/split\u0000${id}`).digest().readUInt32BE(0) / 2 ** 32;
  if (u < publicFraction) return 'public';
  if (u < publicFraction + testFraction) return 'test';
  return 'user';
}
