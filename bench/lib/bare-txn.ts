import { randomBytes } from 'node:crypto';
import type { StateStore } from '../../shared/src/ports/state-store.js';

/**
 * The baseline the deletion benchmarks compare against: a bare etcd transaction of a single-id deletion's shape — the
 * same compares (the leader fence 2, the shard's two keys, the request id) and one put per value length given —
 * on fresh keys. Returns its latency in milliseconds.
 */
export async function bareDeletionTxn(store: StateStore, valueLengths: readonly number[]): Promise<number> {
  const k = `/bench-bare/${randomBytes(6).toString('hex')}`;
  const t0 = performance.now();
  const r = await store.txn({
    compare: [
      { key: '/bench-bare/leader', target: 'createRevision', op: '==', value: 0 },
      { key: '/bench-bare/leader', target: 'version', op: '==', value: 0 },
      { key: `${k}/body`, target: 'modRevision', op: '==', value: 0 },
      { key: `${k}/gens`, target: 'modRevision', op: '==', value: 0 },
      { key: `${k}/request`, target: 'createRevision', op: '==', value: 0 },
    ],
    success: valueLengths.map((length, j) => ({ type: 'put' as const, key: `${k}/${j}`, value: 'x'.repeat(Math.max(1, length)) })),
  });
  if (!r.succeeded) throw new Error('bare txn failed');
  return performance.now() - t0;
}
