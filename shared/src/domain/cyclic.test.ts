import { describe, expect, it } from 'vitest';
import { averageHammingDistance, cyclicSelect } from './cyclic.js';
import { factorial } from './validate.js';

const str = (os: readonly (readonly number[])[]): string[] => os.map((o) => o.join(''));

describe('cyclicSelect', () => {
  it.each([
    { L: 4, B: 4, want: ['0123', '3012', '2301', '1230'] },
    { L: 4, B: 5, want: ['0123', '0312', '3012', '2301', '1230'] },
    { L: 4, B: 8, want: ['0123', '0312', '3012', '3201', '2301', '2130', '1230', '1023'] },
    {
      L: 4,
      B: 12,
      want: ['0123', '0312', '0231', '3012', '3201', '3120', '2301', '2130', '2013', '1230', '1023', '1302'],
    },
    { L: 5, B: 7, want: ['01234', '04123', '40123', '43012', '34012', '23401', '12340'] },
  ])('matches the spec vector for L=$L, B=$B', ({ L, B, want }) => {
    expect(str(cyclicSelect(L, B))).toEqual(want);
  });

  it('forms a Latin rectangle for every B ≤ L ≤ 8', () => {
    for (let L = 1; L <= 8; L++) {
      for (let B = 1; B <= L; B++) {
        const orderings = cyclicSelect(L, B);
        expect(orderings).toHaveLength(B);
        for (const o of orderings) expect([...o].sort((a, b) => a - b)).toEqual([...Array(L).keys()]);
        for (let pos = 0; pos < L; pos++) {
          const column = orderings.map((o) => o[pos]);
          expect(new Set(column).size).toBe(B); // no slice twice in one position
        }
        if (B > 1) expect(averageHammingDistance(orderings)).toBe(L);
      }
    }
  });

  it('returns B distinct permutations balanced over first slices for L < B ≤ L!', () => {
    for (let L = 2; L <= 5; L++) {
      for (let B = L + 1; B <= factorial(L); B++) {
        const orderings = cyclicSelect(L, B);
        expect(new Set(str(orderings)).size).toBe(B);
        const firsts = new Array<number>(L).fill(0);
        for (const o of orderings) firsts[o[0]!]! += 1;
        expect(Math.max(...firsts) - Math.min(...firsts)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('reaches every permutation at B = L!', () => {
    expect(new Set(str(cyclicSelect(5, 120))).size).toBe(120);
  });

  it.each([
    { L: 4, B: 0, msg: /budget/ },
    { L: 3, B: 7, msg: /at most L! = 6/ },
    { L: 0, B: 1, msg: /slices/ },
    { L: 4, B: 2.5, msg: /budget/ },
  ])('rejects L=$L B=$B', ({ L, B, msg }) => {
    expect(() => cyclicSelect(L, B)).toThrow(msg);
  });
});
