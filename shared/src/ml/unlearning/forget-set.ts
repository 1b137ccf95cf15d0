import { invalidArgument } from '../../errors/errors.js';
import type { Dataset, DatasetIndex } from '../data/dataset.js';

/** What to forget: a whole class, or named samples of the model's training data. */
export type ForgetSelector = { readonly kind: 'class'; readonly label: number } | { readonly kind: 'ids'; readonly ids: readonly string[] };

/** The rows a job reads: D_f, D_r = D \ D_f (disjoint by construction) and D_test*. */
export interface JobRows {
  readonly forget: readonly number[];
  readonly retain: readonly number[];
  readonly test: readonly number[];
}

/**
 * Splits a model's training rows by the forget set. Class-wise forgetting forgets every training row of the
 * class and evaluates TA on the test split without it (as Unlearn-Sparse does); id forgetting needs every id to be
 * one of the training rows. Labels are read only for class selection (`labelOf`), so the coordinator can check an
 * id list from the dataset's index alone.
 */
export function jobRows(d: DatasetIndex, trainRows: readonly number[], forget: ForgetSelector, labelOf?: (row: number) => number): JobRows {
  let forgetRows: number[];
  let test = Array.from(d.split.test);
  if (forget.kind === 'class') {
    if (d.task !== 'classification') throw invalidArgument('forget.class_label: class forgetting needs a classification dataset', { field: 'forget.class_label' });
    if (!Number.isInteger(forget.label) || forget.label < 0 || forget.label >= d.outputs) {
      throw invalidArgument(`forget.class_label must be a class of the dataset, 0..${d.outputs - 1}; got ${forget.label}`, { field: 'forget.class_label' });
    }
    if (labelOf === undefined) throw invalidArgument('forget.class_label: the dataset has no class labels', { field: 'forget.class_label' });
    forgetRows = trainRows.filter((r) => labelOf(r) === forget.label);
    test = test.filter((r) => labelOf(r) !== forget.label);
  } else {
    const rowOfId = new Map<string, number>(trainRows.map((r) => [d.ids[r] as string, r]));
    const seen = new Set<string>();
    forgetRows = [];
    for (const id of forget.ids) {
      const row = rowOfId.get(id);
      if (row === undefined) throw invalidArgument(`forget.sample_ids: ${JSON.stringify(id.slice(0, 200))} is not in the model's training data`, { field: 'forget.sample_ids' });
      if (!seen.has(id)) forgetRows.push(row);
      seen.add(id);
    }
  }
  if (forgetRows.length === 0) throw invalidArgument('forget: the forget set is empty (no training sample matches)', { field: 'forget' });
  const inForget = new Set(forgetRows);
  const retain = trainRows.filter((r) => !inForget.has(r));
  return { forget: forgetRows, retain, test };
}

/** A seeded random fraction of the training rows' ids (the "random forgetting" scenario). */
export function randomForgetIds(d: Pick<Dataset, 'ids'>, trainRows: readonly number[], fraction: number, rng: { int(a: number, b: number): number }): string[] {
  const rows = [...trainRows];
  const count = Math.max(1, Math.round(fraction * rows.length));
  for (let i = 0; i < count; i++) {
    const j = rng.int(i, rows.length - 1);
    [rows[i], rows[j]] = [rows[j] as number, rows[i] as number];
  }
  return rows.slice(0, count).map((r) => d.ids[r] as string);
}
