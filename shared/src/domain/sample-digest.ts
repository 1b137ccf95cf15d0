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

/** Ids whose digests a SampleDigestMemo keeps at most (about 100 bytes each). */
export const DEFAULT_MEMO_IDS = 250_000;

/**
 * Keyed digests of ids, remembered. A worker tests the same rows against a run's deletions task after task, and a
 * retraining task always has some: an HMAC is about 2 µs, so a 765-row stage paid 1.5 ms per task. Bounded: past
 * `maxIds` ids it starts afresh.
 */
export class SampleDigestMemo {
  private readonly byKey = new Map<string, Map<string, string>>();
  private held = 0;

  constructor(private readonly maxIds = DEFAULT_MEMO_IDS) {
    if (!Number.isInteger(maxIds) || maxIds < 1) throw new RangeError(`maxIds must be a positive integer, got ${maxIds}`);
  }

  get size(): number {
    return this.held;
  }

  digest(key: string, id: string): string {
    let ids = this.byKey.get(key);
    const hit = ids?.get(id);
    if (hit !== undefined) return hit;
    if (this.held >= this.maxIds) {
      this.byKey.clear();
      this.held = 0;
      ids = undefined;
    }
    if (ids === undefined) this.byKey.set(key, (ids = new Map<string, string>()));
    const d = sampleIdDigest(key, id);
    ids.set(id, d);
    this.held++;
    return d;
  }

  /** deletedBy, with the digests remembered. */
  deletedBy(key: string, digests: Iterable<string>): (id: string) => boolean {
    const set = new Set(digests);
    if (set.size === 0) return () => false;
    return (id) => set.has(this.digest(key, id));
  }
}
