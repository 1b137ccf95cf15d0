/** The four figures a method is compared on, in percent. */
export interface ComparedMetrics {
  /** UA = 100·(1 − accuracy on D_f). */
  readonly ua: number;
  /** RA = 100·accuracy on D_r. */
  readonly ra: number;
  /** TA = 100·accuracy on D_test* (without the forgotten class in class-wise forgetting). */
  readonly ta: number;
  readonly mia: number;
}

/**
 * Absolute difference per metric to Retrain's, and their mean ("avg. gap", as Unlearn-Sparse reports it). Kept
 * apart from the metrics that compute these figures, which need TF.js: reports (and the CLI) compare without it.
 */
export function gapTo(reference: ComparedMetrics, m: ComparedMetrics): ComparedMetrics & { readonly avg: number } {
  const g = { ua: Math.abs(m.ua - reference.ua), ra: Math.abs(m.ra - reference.ra), ta: Math.abs(m.ta - reference.ta), mia: Math.abs(m.mia - reference.mia) };
  return { ...g, avg: (g.ua + g.ra + g.ta + g.mia) / 4 };
}
