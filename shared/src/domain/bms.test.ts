import { describe, expect, it } from 'vitest';
import { bmsScore, bmsSelect } from './bms.js';

describe('bmsSelect', () => {
  it('builds a Latin square of L orderings', () => {
    const orderings = bmsSelect({ prior: [0.4, 0.3, 0.2, 0.1], horizon: 3, budget: 4 });
    expect(orderings).toHaveLength(4);
    for (let pos = 0; pos < 4; pos++) expect(new Set(orderings.map((o) => o[pos])).size).toBe(4);
  });

  // With t = 1 the score is linear in the prior, so every perfect matching ties and the order is tie-breaking.
  it('puts the least likely slice first in the top-scored ordering for a small horizon', () => {
    for (const horizon of [3, 10]) {
      const [best] = bmsSelect({ prior: [0.4, 0.3, 0.2, 0.1], horizon, budget: 1 });
      expect(best?.[0]).toBe(3);
    }
  });

  it('ranks orderings by score, highest first', () => {
    const prior = [0.05, 0.5, 0.15, 0.3];
    const orderings = bmsSelect({ prior, horizon: 2, budget: 4 });
    const scores = orderings.map((o) => bmsScore(o, prior, 2));
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('tops up with distinct permutations when B > L, deterministically by seed', () => {
    const options = { prior: [0.25, 0.25, 0.25, 0.25], horizon: 4, budget: 24, seed: 7 };
    const a = bmsSelect(options);
    expect(new Set(a.map((o) => o.join(''))).size).toBe(24);
    expect(bmsSelect(options)).toEqual(a);
  });

  it('scores a sequence as Σ i·(1 − P_i)^t', () => {
    // P = 0.1, 0.3 → 1·0.9² + 2·0.7² = 0.81 + 0.98
    expect(bmsScore([3, 2], [0.4, 0.3, 0.2, 0.1], 2)).toBeCloseTo(1.79, 12);
  });

  it.each([
    { prior: [0.5, 0.4], horizon: 1, budget: 1, msg: /sum to 1/ },
    { prior: [1.5, -0.5], horizon: 1, budget: 1, msg: /non-negative/ },
    { prior: [0.5, 0.5], horizon: 0, budget: 1, msg: /horizon/ },
    { prior: [0.5, 0.5], horizon: 1, budget: 0, msg: /budget/ },
    { prior: [0.5, 0.5], horizon: 1, budget: 3, msg: /at most L!/ },
    { prior: [], horizon: 1, budget: 1, msg: /one probability per slice/ },
  ])('rejects $msg', ({ prior, horizon, budget, msg }) => {
    expect(() => bmsSelect({ prior, horizon, budget })).toThrow(msg);
  });
});
