import type { FullJobOutput } from '../shard-job.js';
import type { WeightSet } from '../weights.js';
import { adapterKey } from './net.js';

/** θ_o's parameters from the full baseline's output (adapters by block, and the head), named as `Params`. */
export function originalWeights(full: Pick<FullJobOutput, 'adapters' | 'head'>): WeightSet {
  const out: Record<string, WeightSet[string]> = {};
  for (const [block, w] of Object.entries(full.adapters)) {
    out[adapterKey(Number(block), 'a')] = w['a'] as WeightSet[string];
    out[adapterKey(Number(block), 'b')] = w['b'] as WeightSet[string];
  }
  out['head.w'] = full.head['w'] as WeightSet[string];
  out['head.b'] = full.head['b'] as WeightSet[string];
  return out;
}
