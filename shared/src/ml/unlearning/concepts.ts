import { createRng } from '../../domain/rng.js';
import { tf, type Tensor1D, type Tensor2D } from '../tf.js';

/**
 * Concept inference for class unlearning (Chang et al., arXiv 2405.15662, §8.2 of our spec), on the model's own
 * embedding space: the paper's CLIP/ConceptNet concept bank is not available offline, so concepts are directions
 * in the embedding the head reads.
 */

/** Concept k: a direction v_k in embedding space with intercept b_k; its margin is (v_k·e + b_k)/‖v_k‖. */
export interface ConceptBank {
  readonly names: readonly string[];
  /** K × H, row-major. */
  readonly vectors: Float32Array;
  readonly intercepts: Float32Array;
  readonly width: number;
}

/** Embeddings (n × H, row-major) with their class labels. */
export interface Embedded {
  readonly e: Float32Array;
  readonly y: ArrayLike<number>;
  readonly n: number;
  readonly width: number;
}

function meanRows(x: Embedded, rows: (i: number) => boolean): Float64Array {
  const m = new Float64Array(x.width);
  let count = 0;
  for (let i = 0; i < x.n; i++) {
    if (!rows(i)) continue;
    count++;
    for (let j = 0; j < x.width; j++) m[j] = (m[j] as number) + (x.e[i * x.width + j] as number);
  }
  return m.map((v) => v / Math.max(1, count));
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

/**
 * The top `count` principal directions of the embeddings (power iteration with deflation on the H × H
 * covariance; H is the model width, a few hundred at most).
 */
export function principalDirections(x: Embedded, count: number, seed: number): Float64Array[] {
  const H = x.width;
  const mu = meanRows(x, () => true);
  const cov = new Float64Array(H * H);
  const row = new Float64Array(H);
  for (let i = 0; i < x.n; i++) {
    for (let j = 0; j < H; j++) row[j] = (x.e[i * H + j] as number) - (mu[j] as number);
    for (let a = 0; a < H; a++) {
      const ra = row[a] as number;
      if (ra === 0) continue;
      for (let b = 0; b < H; b++) cov[a * H + b] = (cov[a * H + b] as number) + ra * (row[b] as number);
    }
  }
  const rng = createRng(seed);
  const out: Float64Array[] = [];
  for (let k = 0; k < Math.min(count, H); k++) {
    let v = Float64Array.from({ length: H }, () => rng.float() - 0.5);
    for (let it = 0; it < 200; it++) {
      const w = new Float64Array(H);
      for (let a = 0; a < H; a++) {
        let s = 0;
        for (let b = 0; b < H; b++) s += (cov[a * H + b] as number) * (v[b] as number);
        w[a] = s;
      }
      for (const u of out) {
        const p = dot(w, u);
        for (let a = 0; a < H; a++) w[a] = (w[a] as number) - p * (u[a] as number);
      }
      const norm = Math.sqrt(dot(w, w));
      if (norm < 1e-12) break;
      v = w.map((t) => t / norm);
    }
    out.push(v);
  }
  return out;
}

/**
 * The concept bank inferred from the model: one direction per class (its mean embedding minus the overall mean:
 * "what makes this class") and the top principal directions of the embeddings ("how the data varies"), each
 * centred so that its margin is 0 at the overall mean.
 */
export function inferredConceptBank(x: Embedded, classes: number, principal: number, seed: number): ConceptBank {
  const mu = meanRows(x, () => true);
  const dirs: { name: string; v: Float64Array }[] = [];
  for (let c = 0; c < classes; c++) {
    const mc = meanRows(x, (i) => x.y[i] === c);
    dirs.push({ name: `class-${c}-mean`, v: mc.map((t, j) => t - (mu[j] as number)) });
  }
  principalDirections(x, principal, seed).forEach((v, k) => dirs.push({ name: `principal-${k}`, v }));
  return bankOf(dirs.map((d) => ({ name: d.name, v: d.v, b: -dot(d.v, mu) })), x.width);
}

function bankOf(items: readonly { name: string; v: ArrayLike<number>; b: number }[], width: number): ConceptBank {
  const vectors = new Float32Array(items.length * width);
  items.forEach((it, k) => vectors.set(Array.from(it.v), k * width));
  return { names: items.map((i) => i.name), vectors, intercepts: Float32Array.from(items.map((i) => i.b)), width };
}

export interface LogisticFit {
  /** classes × features, row-major. */
  readonly w: Float32Array;
  readonly b: Float32Array;
  /** Training accuracy. */
  readonly accuracy: number;
}

/**
 * Multinomial logistic regression with the elastic net, as the paper's PCBM (sklearn `SGDClassifier`, log loss,
 * α = 1e-5, l1_ratio = 0.99): full-batch Adam on CE + α·(ρ‖W‖₁ + (1 − ρ)/2·‖W‖²) over standardised features.
 */
export async function fitElasticNetLogistic(
  features: Float32Array,
  labels: ArrayLike<number>,
  n: number,
  classes: number,
  o: { alpha?: number; l1Ratio?: number; steps?: number; learningRate?: number } = {},
): Promise<LogisticFit> {
  const K = features.length / Math.max(1, n);
  const alpha = o.alpha ?? 1e-5;
  const rho = o.l1Ratio ?? 0.99;
  const x = tf.tensor2d(features, [n, K]);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), classes);
  const w = tf.variable(tf.zeros([K, classes]), true, `pcbm.w.${Math.random()}`);
  const b = tf.variable(tf.zeros([classes]), true, `pcbm.b.${Math.random()}`);
  const opt = tf.train.adam(o.learningRate ?? 0.05);
  try {
    for (let s = 0; s < (o.steps ?? 300); s++) {
      tf.tidy(() => {
        opt.minimize(() => {
          const ce = tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(x, w), b));
          const l1 = tf.sum(tf.abs(w));
          const l2 = tf.sum(tf.square(w));
          return tf.add<tf.Scalar>(ce, tf.mul(tf.add(tf.mul(l1, rho), tf.mul(l2, (1 - rho) / 2)), alpha));
        }, false, [w, b]);
      });
    }
    const acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(tf.add(tf.matMul(x, w), b), 1), tf.argMax(y, 1)), 'float32')));
    const wt = tf.transpose(w);
    const out = { w: Float32Array.from(await wt.data()), b: Float32Array.from(await b.data()), accuracy: (await acc.data())[0] ?? Number.NaN };
    tf.dispose([acc, wt]);
    return out;
  } finally {
    opt.dispose();
    tf.dispose([x, y, w, b]);
  }
}

/** Standardised concept margins d_k(x) = (v_k·e + b_k)/‖v_k‖ (n × K), with the per-concept mean and sd used. */
export function conceptMargins(bank: ConceptBank, x: Embedded): Float32Array {
  const K = bank.names.length;
  const H = bank.width;
  const out = new Float32Array(x.n * K);
  for (let k = 0; k < K; k++) {
    const v = bank.vectors.subarray(k * H, (k + 1) * H);
    const norm = Math.sqrt(dot(v, v)) || 1;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < x.n; i++) {
      const m = (dot(v, x.e.subarray(i * H, (i + 1) * H)) + (bank.intercepts[k] as number)) / norm;
      out[i * K + k] = m;
      sum += m;
      sq += m * m;
    }
    const mean = sum / x.n;
    const sd = Math.sqrt(Math.max(1e-12, sq / x.n - mean * mean));
    for (let i = 0; i < x.n; i++) out[i * K + k] = ((out[i * K + k] as number) - mean) / sd;
  }
  return out;
}

/** Concepts of class `c` by PCBM weight, highest first. */
export function rankConcepts(pcbm: LogisticFit, concepts: number, c: number): number[] {
  const row = pcbm.w.subarray(c * concepts, (c + 1) * concepts);
  return Array.from({ length: concepts }, (_, k) => k).sort((a, b) => (row[b] as number) - (row[a] as number));
}

export interface DonorChoice {
  readonly donor: number;
  /** The concept that decided it. */
  readonly concept: number;
  readonly rule: 'confusion' | 'shared';
}

/**
 * The donor class (§8.2 step 5). "confusion": walk the target's top-k concepts in order; for each, the other class
 * with the largest weight on it is accepted if that concept is also its own top-1. Falls back to "shared" (the
 * other class with the largest weight on the target's top concept) when no concept qualifies.
 */
export function chooseDonor(pcbm: LogisticFit, classes: number, concepts: number, target: number, rule: 'confusion' | 'shared', topK = 5): DonorChoice {
  const weight = (c: number, k: number): number => pcbm.w[c * concepts + k] as number;
  const strongestOther = (k: number): number => {
    let best = -1;
    for (let c = 0; c < classes; c++) if (c !== target && (best < 0 || weight(c, k) > weight(best, k))) best = c;
    return best;
  };
  const ranked = rankConcepts(pcbm, concepts, target);
  if (rule === 'confusion') {
    for (const k of ranked.slice(0, topK)) {
      const d = strongestOther(k);
      if (rankConcepts(pcbm, concepts, d)[0] === k) return { donor: d, concept: k, rule: 'confusion' };
    }
  }
  const k = ranked[0] as number;
  return { donor: strongestOther(k), concept: k, rule: 'shared' };
}

/** Embeddings of a set under some parameters, as plain rows (batched). */
export async function embedRows(embed: (h: Tensor2D) => Tensor2D, h: Tensor2D, y: Tensor1D, batch = 2000): Promise<Embedded> {
  const n = h.shape[0];
  const parts: Float32Array[] = [];
  let width = 0;
  for (let s = 0; s < n; s += batch) {
    const e = tf.tidy(() => embed(tf.slice(h, [s, 0], [Math.min(batch, n - s), -1])));
    width = e.shape[1];
    parts.push(Float32Array.from(await e.data()));
    e.dispose();
  }
  return { e: concatFloat32(parts), y: Int32Array.from(await y.data()), n, width };
}

/** The arrays one after another in one new array. */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Concept activation vectors (Kim et al. 2018) from labelled groups: for each concept a linear probe on the
 * embeddings separating samples that have it from those that do not; its weight vector and intercept are the
 * concept. For data whose concepts are known (our synthetic Concepts-8 task), not for MNIST.
 */
export async function cavConceptBank(x: Embedded, groups: readonly { name: string; has: (row: number) => boolean }[]): Promise<ConceptBank> {
  const items: { name: string; v: Float32Array; b: number }[] = [];
  for (const g of groups) {
    const labels = Int32Array.from({ length: x.n }, (_, i) => (g.has(i) ? 1 : 0));
    const fit = await fitElasticNetLogistic(x.e, labels, x.n, 2, { alpha: 1e-4, l1Ratio: 0, steps: 200 });
    const H = x.width;
    const v = Float32Array.from({ length: H }, (_, j) => (fit.w[H + j] as number) - (fit.w[j] as number));
    items.push({ name: g.name, v, b: (fit.b[1] as number) - (fit.b[0] as number) });
  }
  return bankOf(items, x.width);
}
