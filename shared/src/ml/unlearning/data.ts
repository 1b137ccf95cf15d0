import { tf, type Tensor1D, type Tensor2D } from '../tf.js';

/** A labelled set on the frozen block inputs: what every method and metric reads. */
export interface LabelledSet {
  readonly h: Tensor2D;
  readonly y: Tensor1D;
  readonly n: number;
}

export function labelledSet(h: Tensor2D, y: Tensor1D): LabelledSet {
  return { h, y, n: h.shape[0] };
}

export function concatSets(a: LabelledSet, b: LabelledSet): LabelledSet {
  return labelledSet(tf.concat([a.h, b.h]), tf.concat([a.y, b.y]));
}

/** Rows `start..start+count` of a set, in order (a view owned by the caller: dispose it). */
export function batchOf(s: LabelledSet, start: number, count: number): { h: Tensor2D; y: Tensor1D } {
  const size = Math.min(count, s.n - start);
  return { h: tf.slice(s.h, [start, 0], [size, -1]), y: tf.slice(s.y, [start], [size]) };
}

export function disposeSet(s: LabelledSet | undefined): void {
  if (s !== undefined) tf.dispose([s.h, s.y]);
}
