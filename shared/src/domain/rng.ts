import { createHash } from 'node:crypto';
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

/** A 31-bit seed derived from a base seed and a path of names, stable across platforms (sha256). */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  const digest = createHash('sha256').update(`lethe/v1/seed\u0000${seed}\u0000${parts.join('\u0000')}`).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}
