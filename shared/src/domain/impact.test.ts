import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cyclicSelect } from './cyclic.js';
import { deletionImpact, identityOrdering, isStageActive, servingChoice, survivingDepth } from './impact.js';

describe('deletion impact', () => {
  it('follows Figure 2 of the paper', () => {
    const t = (xs: number[]): Set<number> => new Set(xs);
    expect(survivingDepth([0, 1, 2, 3, 4], t([2]))).toBe(2);
    expect(survivingDepth([0, 1, 2, 3, 4], t([0, 2]))).toBe(0);
    expect(survivingDepth([1, 3, 4, 2, 0], t([2, 0]))).toBe(3);
  });

  it('reports deactivated and retrain stages, the served ordering and its depth', () => {
    const orderings = cyclicSelect(4, 4); // 0123, 3012, 2301, 1230
    const impact = deletionImpact(orderings, [], [2]);
    expect(impact.depthsAfter).toEqual([2, 3, 0, 1]);
    expect(impact.servingAfter).toEqual({ ordering: 1, depth: 3 });
    expect(impact.deactivated).toEqual([
      { ordering: 0, stage: 3 },
      { ordering: 0, stage: 4 },
      { ordering: 1, stage: 4 },
      { ordering: 2, stage: 1 },
      { ordering: 2, stage: 2 },
      { ordering: 2, stage: 3 },
      { ordering: 2, stage: 4 },
      { ordering: 3, stage: 2 },
      { ordering: 3, stage: 3 },
      { ordering: 3, stage: 4 },
    ]);
    expect(impact.retrain).toEqual(impact.deactivated);
    expect(impact.changed).toBe(true);
  });

  it('breaks serving ties towards the first ordering and reports a dead shard as null', () => {
    expect(servingChoice([[0, 1], [1, 0]], new Set())).toEqual({ ordering: 0, depth: 2 });
    expect(servingChoice([[0, 1], [1, 0]], new Set([0, 1]))).toBeNull();
  });

  it('treats SISA as a single identity ordering', () => {
    const impact = deletionImpact([identityOrdering(4)], [], [1]);
    expect(impact.servingAfter).toEqual({ ordering: 0, depth: 1 });
    expect(impact.retrain.map((s) => s.stage)).toEqual([2, 3, 4]);
  });

  it.each([{ slices: [4] }, { slices: [-1] }, { slices: [0.5] }])('rejects slice $slices', ({ slices }) => {
    expect(() => deletionImpact(cyclicSelect(4, 2), [], slices)).toThrow(/outside/);
  });

  const shardArb = fc
    .record({ L: fc.integer({ min: 1, max: 7 }), bFrac: fc.double({ min: 0, max: 1, noNaN: true }) })
    .chain(({ L, bFrac }) => {
      const B = Math.max(1, Math.round(bFrac * Math.min(24, [1, 1, 2, 6, 24, 120, 720, 5040][L]!)));
      return fc.record({
        orderings: fc.constant(cyclicSelect(L, B)),
        before: fc.subarray([...Array(L).keys()]),
        deleted: fc.array(fc.integer({ min: 0, max: L - 1 }), { maxLength: 4 }),
      });
    });

  it('property: a stage is active iff none of its cumulative slices is tainted', () => {
    fc.assert(
      fc.property(shardArb, ({ orderings, before, deleted }) => {
        const impact = deletionImpact(orderings, before, deleted);
        const tainted = new Set(impact.taintedAfter);
        const inactive = new Set(impact.retrain.map((s) => `${s.ordering}/${s.stage}`));
        orderings.forEach((order, ordering) => {
          order.forEach((_, i) => {
            const stage = i + 1;
            const clean = order.slice(0, stage).every((s) => !tainted.has(s));
            expect(isStageActive(order, stage, tainted)).toBe(clean);
            expect(inactive.has(`${ordering}/${stage}`)).toBe(!clean);
          });
        });
      }),
    );
  });

  it('property: the served depth is the maximum surviving depth', () => {
    fc.assert(
      fc.property(shardArb, ({ orderings, before, deleted }) => {
        const impact = deletionImpact(orderings, before, deleted);
        const max = Math.max(...impact.depthsAfter);
        if (max === 0) expect(impact.servingAfter).toBeNull();
        else {
          expect(impact.servingAfter?.depth).toBe(max);
          expect(impact.servingAfter?.ordering).toBe(impact.depthsAfter.indexOf(max));
        }
      }),
    );
  });

  it('property: a second deletion in a tainted slice changes nothing', () => {
    fc.assert(
      fc.property(shardArb, ({ orderings, before, deleted }) => {
        const first = deletionImpact(orderings, before, deleted);
        const again = deletionImpact(orderings, first.taintedAfter, deleted);
        expect(again.changed).toBe(false);
        expect(again.deactivated).toEqual([]);
        expect(again.depthsAfter).toEqual(first.depthsAfter);
        expect(again.servingAfter).toEqual(first.servingAfter);
      }),
    );
  });

  it('property: deletions only ever shorten depths, and deactivated stages were active before', () => {
    fc.assert(
      fc.property(shardArb, ({ orderings, before, deleted }) => {
        const impact = deletionImpact(orderings, before, deleted);
        impact.depthsAfter.forEach((d, i) => expect(d).toBeLessThanOrEqual(impact.depthsBefore[i]!));
        for (const s of impact.deactivated) {
          expect(isStageActive(orderings[s.ordering]!, s.stage, new Set(impact.taintedBefore))).toBe(true);
        }
      }),
    );
  });
});
