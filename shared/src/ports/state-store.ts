/**
 * The source of truth (etcd in a cluster, an in-memory twin in the embedded mode): keys with revisions,
 * compare-and-swap transactions, prefix watches and leases. Every write of Lethe's state goes through `txn`
 * so it can be fenced on the leader key and on revisions.
 */

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** Store revision at which the key was created (0 never appears: absent keys are null). */
  readonly createRevision: number;
  /** Store revision of the key's last modification. */
  readonly modRevision: number;
  /** Number of modifications since creation (1 after create). */
  readonly version: number;
  /** Lease the key is attached to, if any ("0" for none). */
  readonly lease: string;
}

export type CompareTarget = 'value' | 'createRevision' | 'modRevision' | 'version';
export type CompareOp = '==' | '!=' | '<' | '>';

/** A condition of a transaction. An absent key has createRevision = modRevision = version = 0 and no value. */
export interface Compare {
  readonly key: string;
  readonly target: CompareTarget;
  readonly op: CompareOp;
  readonly value: string | number;
}

export type TxnOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly lease?: string }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'deletePrefix'; readonly prefix: string };

export interface TxnRequest {
  readonly compare: readonly Compare[];
  readonly success: readonly TxnOp[];
  readonly failure?: readonly TxnOp[];
}

export interface TxnResult {
  readonly succeeded: boolean;
  /** Store revision after the transaction (unchanged when nothing was written). */
  readonly revision: number;
}

/**
 * One change seen by a watch. A transaction that touches several watched keys yields several events of one
 * revision; `revisionDone` is true on the last of them, so a reader can announce a revision only once every
 * key of it is applied (never a half-applied transaction).
 */
export type WatchEvent =
  | { readonly type: 'put'; readonly kv: KeyValue; readonly revision: number; readonly revisionDone: boolean }
  | { readonly type: 'delete'; readonly key: string; readonly revision: number; readonly revisionDone: boolean };

/** Sets `revisionDone` on the last event of each run of equal revisions (events in revision order). */
export function markRevisionEnds<E extends WatchEvent>(events: readonly E[]): E[] {
  return events.map((e, i) => ({ ...e, revisionDone: events[i + 1]?.revision !== e.revision }));
}

export interface WatchOptions {
  /** Replay events from this revision (inclusive); only new events when absent. */
  readonly fromRevision?: number;
  readonly signal?: AbortSignal;
}

export interface Lease {
  readonly id: string;
  readonly ttlSeconds: number;
  /** Resolves when the lease is lost (expired or revoked elsewhere); never when revoked by `revoke`. */
  readonly lost: Promise<void>;
  revoke(): Promise<void>;
}

export interface RoStateStore {
  get(key: string): Promise<KeyValue | null>;
  /** Every key under `prefix`, in key order, with the store revision of the read. */
  list(prefix: string): Promise<{ readonly kvs: readonly KeyValue[]; readonly revision: number }>;
  /** The current store revision. */
  revision(): Promise<number>;
  /**
   * A linearizable read: the highest modification revision among the keys under `prefix` modified after `after`,
   * or null when none was. (A key deleted since is not seen: use it on put-only data.) Lets a reader confirm that
   * its view of `prefix` is current without reading the data itself.
   */
  latestModRevision(prefix: string, after: number): Promise<number | null>;
  /** Events under `prefix` in revision order until the signal aborts. */
  watch(prefix: string, options?: WatchOptions): AsyncIterable<WatchEvent>;
}

export interface StateStore extends RoStateStore {
  txn(request: TxnRequest): Promise<TxnResult>;
  /** A lease kept alive by this client until revoked, lost, or the store is closed. */
  grantLease(ttlSeconds: number): Promise<Lease>;
  close(): Promise<void>;
}

/** Convenience: an unconditional put. */
export async function put(store: StateStore, key: string, value: string, lease?: string): Promise<number> {
  const r = await store.txn({ compare: [], success: [{ type: 'put', key, value, ...(lease === undefined ? {} : { lease }) }] });
  return r.revision;
}
