import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

/** A seeded random source: same seed, same sequence, on every platform. */
export interface Rng {
  /** Uniform integer in [from, to], both included. */
  int(from: number, to: number): number;
  /** Uniform float in [0, 1). */
  float(): number;
}

export function createRng(seed: number): Rng {
  const gen = xoroshiro128plus(seed | 0);
  return { int: (from, to) => uniformInt(gen, from, to), float: () => uniformFloat64(gen) };
}

/** Fisher–Yates shuffle in place with a seeded source. */
export function shuffleInPlace<T>(xs: T[], rng: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = xs[i] as T;
    xs[i] = xs[j] as T;
    xs[j] = t;
  }
  return xs;
}
