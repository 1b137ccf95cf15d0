import { describe, expect, it } from 'vitest';
import { cyclicSelect } from './cyclic.js';
import { allStages, retrainCost, runTrainingCost, stagesCost, uniformSliceSizes } from './cost.js';

describe('training cost', () => {
  it('charges B·N·E·(L+1)/2 for S3T with equal slices and N·E for full training', () => {
    const N = 4000;
    const E = 3;
    for (const [m, L, B] of [[5, 4, 4], [2, 4, 1], [4, 5, 3]] as const) {
      const cost = runTrainingCost(uniformSliceSizes(N, m, L), cyclicSelect(L, B), E);
      expect(cost.s3tWithoutSharing).toBe((B * N * E * (L + 1)) / 2);
      expect(cost.s3t).toBe(cost.s3tWithoutSharing); // B ≤ L: no shared prefixes
      expect(cost.sisa).toBe((N * E * (L + 1)) / 2);
      expect(cost.full).toBe(N * E);
    }
  });

  it('pays each shared prefix once when B > L', () => {
    const orderings = cyclicSelect(4, 8); // pairs share their first slice
    const shard = { sliceSizes: [10, 10, 10, 10], orderings };
    const shared = stagesCost(shard, allStages(orderings), 1, true);
    const unshared = stagesCost(shard, allStages(orderings), 1, false);
    expect(unshared).toBe(8 * (10 + 20 + 30 + 40));
    expect(shared).toBe(unshared - 4 * 10); // four first stages are shared by two orderings each
  });

  it('retrains only stages that saw a tainted slice, on cleaned slice sizes', () => {
    const orderings = cyclicSelect(4, 4); // 0123, 3012, 2301, 1230
    const cost = retrainCost({ sliceSizes: [10, 10, 9, 10], orderings }, [2], 1);
    // 0123: stages 3,4 → 29 + 39; 3012: stage 4 → 39; 2301: all → 9+19+29+39; 1230: stages 2..4 → 19+29+39
    expect(cost.s3t).toBe(29 + 39 + 39 + (9 + 19 + 29 + 39) + (19 + 29 + 39));
    expect(cost.sisa).toBe(29 + 39);
  });

  it('splits samples evenly', () => {
    const sizes = uniformSliceSizes(43, 2, 4);
    expect(sizes.flat().reduce((a, b) => a + b, 0)).toBe(43);
    expect(Math.max(...sizes.flat()) - Math.min(...sizes.flat())).toBeLessThanOrEqual(1);
  });
});
