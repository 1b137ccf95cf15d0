import { createHmac, randomBytes } from 'node:crypto';

/**
 * What the lineage keeps of a deleted sample: a keyed digest of its id, never the id. Tombstones and deletion
 * records hold HMAC-SHA256(run key, id) cut to 128 bits, so etcd (and every backup or history of it) never stores
 * an identifier someone asked to forget; WhereIs and idempotent replays still work by computing the digest.
 */
export function sampleIdDigest(key: string, id: string): string {
  return createHmac('sha256', Buffer.from(key, 'hex')).update(id, 'utf8').digest('hex').slice(0, 32);
}

/** A new per-run key (256 bits, hex). */
export function newSampleIdKey(): string {
  return randomBytes(32).toString('hex');
}

/** A membership test over digests, for code that holds raw ids (a worker filtering its rows). */
export function deletedBy(key: string, digests: Iterable<string>): (id: string) => boolean {
  const set = new Set(digests);
  if (set.size === 0) return () => false; // nothing deleted: no keyed hash per id
  return (id) => set.has(sampleIdDigest(key, id));
}
