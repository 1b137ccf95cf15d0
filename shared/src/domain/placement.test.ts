import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { placeSample, placementHash } from './placement.js';
import { LetheError } from '../errors/errors.js';

describe('placement hash v1', () => {
  // Pinned vectors, cross-checked with Python's hashlib: if any changes, every existing run's placement moves.
  it.each([
    { domain: 'shard' as const, salt: 'run-1', id: 'sample-0', want: 0x176b9e3a852c1519n },
    { domain: 'slice' as const, salt: 'run-1', id: 'sample-0', want: 0x5a4a3214ade2893an },
    { domain: 'shard' as const, salt: '', id: 'x', want: 0xb8896271f2e4ef3dn },
    { domain: 'slice' as const, salt: 'salt', id: 'ünïcode-名前', want: 0xc5ec7d70362da21dn },
    { domain: 'shard' as const, salt: 's', id: 'mnist-train-00042', want: 0xab2f2e171d6d427fn },
  ])('is pinned for $domain/$salt/$id', ({ domain, salt, id, want }) => {
    expect(placementHash(domain, salt, id)).toBe(want);
  });

  it.each([
    { salt: 'run-1', id: 'sample-0', m: 5, L: 4, want: { shard: 4, slice: 2 } },
    { salt: 'salt', id: 'ünïcode-名前', m: 7, L: 6, want: { shard: 5, slice: 3 } },
    { salt: 's', id: 'mnist-train-00042', m: 16, L: 8, want: { shard: 15, slice: 6 } },
  ])('places $id in $want', ({ salt, id, m, L, want }) => {
    expect(placeSample(salt, id, m, L)).toEqual(want);
  });

  it('is deterministic and in range for any id', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 16 }), (salt, id, m, L) => {
        const a = placeSample(salt, id, m, L);
        expect(placeSample(salt, id, m, L)).toEqual(a);
        expect(a.shard).toBeGreaterThanOrEqual(0);
        expect(a.shard).toBeLessThan(m);
        expect(a.slice).toBeGreaterThanOrEqual(0);
        expect(a.slice).toBeLessThan(L);
      }),
    );
  });

  it('spreads ids evenly over shards and slices', () => {
    const counts = new Array<number>(20).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const p = placeSample('balance', `id-${i}`, 5, 4);
      counts[p.shard * 4 + p.slice]! += 1;
    }
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150); // ~5 sd of a binomial(20000, 1/20)
  });

  it.each([
    { m: 0, L: 4, id: 'a' },
    { m: 5, L: 0, id: 'a' },
    { m: 1.5, L: 4, id: 'a' },
    { m: 5, L: 4, id: '' },
  ])('rejects m=$m L=$L id=$id', ({ m, L, id }) => {
    expect(() => placeSample('s', id, m, L)).toThrow(LetheError);
  });
});
