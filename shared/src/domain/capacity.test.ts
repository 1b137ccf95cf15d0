import { describe, expect, it } from 'vitest';
import { cyclicSelect } from './cyclic.js';
import { capacityClosedForm, capacityLeft, harmonic, retentionApproximation, retentionExact, simulateCapacity } from './capacity.js';

describe('capacity', () => {
  it('computes the closed form mL·H(m·min(B,L))', () => {
    expect(harmonic(1)).toBe(1);
    expect(harmonic(4)).toBeCloseTo(25 / 12, 12);
    expect(capacityClosedForm(5, 4, 1)).toBeCloseTo(20 * harmonic(5), 9); // SISA ≈ 45.7
    expect(capacityClosedForm(5, 4, 4)).toBeCloseTo(72.0, 0);
    expect(capacityClosedForm(5, 4, 24)).toBe(capacityClosedForm(5, 4, 4)); // saturates at B = L
  });

  const grid = [
    { m: 5, L: 4, B: 1 },
    { m: 5, L: 4, B: 2 },
    { m: 5, L: 4, B: 4 },
    { m: 5, L: 6, B: 3 },
    { m: 10, L: 4, B: 4 },
    { m: 5, L: 8, B: 8 },
    { m: 3, L: 5, B: 7 },
  ];
  it.each(grid)('simulation agrees with the closed form within 3 % for m=$m L=$L B=$B', ({ m, L, B }) => {
    const sim = simulateCapacity({ shards: m, orderings: cyclicSelect(L, B), trials: 4000, seed: 42 });
    const closed = capacityClosedForm(m, L, B);
    expect(Math.abs(sim.mean - closed) / closed).toBeLessThan(0.03);
    expect(sim.sd).toBeGreaterThan(0);
  });

  it('estimates the capacity left from the live first slices: the closed form when all are live, 0 when none', () => {
    for (const { m, L, B } of grid) expect(capacityLeft(m, L, m * Math.min(B, L))).toBeCloseTo(capacityClosedForm(m, L, B), 9);
    expect(capacityLeft(2, 2, 3)).toBeCloseTo(4 * (1 + 1 / 2 + 1 / 3), 12);
    expect(capacityLeft(5, 4, 0)).toBe(0);
    expect(() => capacityLeft(5, 4, -1)).toThrow(/liveFirstSlices/);
  });

  it('is reproducible by seed', () => {
    const a = simulateCapacity({ shards: 5, orderings: cyclicSelect(4, 2), trials: 200, seed: 1 });
    const b = simulateCapacity({ shards: 5, orderings: cyclicSelect(4, 2), trials: 200, seed: 1 });
    expect(a).toEqual(b);
  });

  it.each([
    { k: 1, r: 3, want: [0.422, 0.719, 1.0] },
    { k: 1, r: 6, want: [0.178, 0.34, 0.619] },
    { k: 2, r: 2, want: [0.25, 0.438, 0.75] },
    { k: 3, r: 1, want: [0.25, 0.5, 1.0] },
  ])('matches the spec table of exact retention for L=4, k=$k, r=$r', ({ k, r, want }) => {
    const got = [1, 2, 4].map((B) => retentionExact(cyclicSelect(4, B), k, r));
    got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(0.0005 + 1e-12)); // table is rounded
  });

  it('is never below the independence approximation for cyclic sets', () => {
    for (const [k, r] of [[1, 3], [1, 6], [2, 2], [3, 1]] as const) {
      for (const B of [1, 2, 4]) {
        expect(retentionExact(cyclicSelect(4, B), k, r)).toBeGreaterThanOrEqual(retentionApproximation(4, B, k, r) - 1e-12);
      }
    }
  });

  it('rejects bad arguments', () => {
    expect(() => capacityClosedForm(0, 4, 1)).toThrow(/shards/);
    expect(() => simulateCapacity({ shards: 2, orderings: [], trials: 1, seed: 0 })).toThrow(/orderings/);
    expect(() => retentionExact(cyclicSelect(4, 1), 5, 1)).toThrow(/k/);
  });
});
