/**
 * The etcd key layout, all under the configured prefix. One key per shard holds its generations, committed
 * stages and training assignments, so a deletion touching k shards is a transaction of k + 3 operations.
 */
export class Keys {
  constructor(readonly prefix: string) {}
  leader(): string {
    return `${this.prefix}leader`;
  }
  /** Audit events written with their actions, waiting for the leader to chain them. */
  auditPending(): string {
    return `${this.prefix}audit-pending/`;
  }
  /** The chained audit log: one record per key, in order. */
  auditRecords(): string {
    return `${this.prefix}audit/records/`;
  }
  auditRecord(seq: number): string {
    return `${this.auditRecords()}${String(seq).padStart(12, '0')}`;
  }
  auditHead(): string {
    return `${this.prefix}audit/head`;
  }
  /** The receipt signing key, when no key file is configured (see receipt-signer.ts). */
  receiptKey(): string {
    return `${this.prefix}keys/receipt-signing`;
  }
  /** Bearer tokens made through the API (their hashes; see security/tokens.ts). */
  tokens(): string {
    return `${this.prefix}auth/tokens/`;
  }
  token(id: string): string {
    return `${this.tokens()}${id}`;
  }
  runs(): string {
    return `${this.prefix}runs/`;
  }
  run(run: string): string {
    return `${this.prefix}runs/${run}/`;
  }
  runSpec(run: string): string {
    return `${this.run(run)}spec`;
  }
  /** Kept forever once a run is deleted: the id is never reused, and lagging replicas see the deletion. */
  runDeleted(run: string): string {
    return `${this.run(run)}deleted`;
  }
  /** Present once an operator cancelled the run's training (final). */
  runCancelled(run: string): string {
    return `${this.run(run)}cancelled`;
  }
  /** The retraining policy an operator set on a live run (absent: the spec's). */
  retraining(run: string): string {
    return `${this.run(run)}retraining`;
  }
  /** The task silence timeout an operator set on a live run (absent: the spec's). */
  taskSilence(run: string): string {
    return `${this.run(run)}task-silence`;
  }
  backbone(run: string): string {
    return `${this.run(run)}backbone`;
  }
  shard(run: string, shard: number): string {
    return `${this.run(run)}shards/${String(shard).padStart(5, '0')}`;
  }
  shards(run: string): string {
    return `${this.run(run)}shards/`;
  }
  /** A shard's slice generations (see ShardBodySchema for why they are a key of their own). */
  gens(run: string, shard: number): string {
    return `${this.run(run)}gens/${String(shard).padStart(5, '0')}`;
  }
  deletion(run: string, id: string): string {
    return `${this.run(run)}deletions/${id}`;
  }
  /** Part k of a deletion split across transactions (the head, `deletion(run, id)`, is the last part). */
  deletionPart(run: string, id: string, part: number): string {
    return `${this.run(run)}deletions/${id}/${String(part).padStart(4, '0')}`;
  }
  deletions(run: string): string {
    return `${this.run(run)}deletions/`;
  }
  /** The time up to which the leader found every deletion event of the run held in etcd (lost-deletions.ts). */
  deletionEventsChecked(run: string): string {
    return `${this.run(run)}deletion-events-checked`;
  }
  request(run: string, requestId: string): string {
    return `${this.run(run)}requests/${encodeURIComponent(requestId)}`;
  }
  createRequest(requestId: string): string {
    return `${this.prefix}create-requests/${encodeURIComponent(requestId)}`;
  }
  /** Events committed with the state they describe, waiting to be published (the outbox). */
  outbox(): string {
    return `${this.prefix}outbox/`;
  }
  outboxEntry(id: string): string {
    return `${this.prefix}outbox/${id}`;
  }
  workers(): string {
    return `${this.prefix}workers/`;
  }
  worker(id: string): string {
    return `${this.prefix}workers/${encodeURIComponent(id)}`;
  }
  /** An operator's drain of a worker: kept until lifted, whatever the worker or coordinator does meanwhile. */
  drain(id: string): string {
    return `${this.prefix}drains/${encodeURIComponent(id)}`;
  }
}

/** Parses `<prefix>runs/<run>/<rest>` into its parts. */
export function parseRunKey(keys: Keys, key: string): { run: string; rest: string } | null {
  const base = keys.runs();
  if (!key.startsWith(base)) return null;
  const tail = key.slice(base.length);
  const slash = tail.indexOf('/');
  if (slash < 0) return null;
  return { run: tail.slice(0, slash), rest: tail.slice(slash + 1) };
}
