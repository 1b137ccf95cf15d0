import { EventEmitter } from 'node:events';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { Compare, Lease, StateStore } from '../../../shared/src/ports/state-store.js';
import { LeaderRecordSchema, type LeaderRecord } from '../state/records.js';

export interface LeaderElectionDeps {
  readonly store: StateStore;
  readonly key: string;
  readonly id: string;
  /** Address followers and workers are pointed to. */
  readonly address: string;
  readonly ttlSeconds: number;
  readonly logger: Logger;
}

const POLL_MS = 300;

/**
 * Leader election on one etcd key held under a lease: the first replica to create it leads until its lease is
 * lost. Every leader write is fenced with `fence()`, which compares the key's creation revision and value, so a
 * deposed leader (its lease expired while it was paused) can no longer write.
 */
export class LeaderElection extends EventEmitter<{ elected: []; deposed: [] }> {
  private lease: Lease | undefined;
  private leadingSince: { createRevision: number; value: string } | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: LeaderElectionDeps) {
    super();
  }

  get isLeader(): boolean {
    return this.leadingSince !== undefined;
  }

  /** Conditions that make a transaction succeed only while this replica leads. */
  fence(): Compare[] {
    const l = this.leadingSince;
    if (l === undefined) return [{ key: this.deps.key, target: 'createRevision', op: '==', value: -1 }]; // never true
    return [
      { key: this.deps.key, target: 'createRevision', op: '==', value: l.createRevision },
      { key: this.deps.key, target: 'value', op: '==', value: l.value },
    ];
  }

  /** The current leader as etcd sees it (null when none). */
  async leader(): Promise<LeaderRecord | null> {
    const kv = await this.deps.store.get(this.deps.key);
    return kv === null ? null : LeaderRecordSchema.parse(JSON.parse(kv.value));
  }

  start(): void {
    this.loop = this.campaign();
  }

  /**
   * A campaign whose reply was lost (a timeout after etcd committed it) may or may not hold the key. The key says:
   * if it is ours (our lease, our value) we lead with it; otherwise the lease is revoked, so no lease that nobody
   * uses keeps a key alive (an orphaned leader key would leave the cluster without a leader for good).
   */
  private async resolveLostCampaign(lease: Lease, value: string): Promise<{ createRevision: number } | null> {
    const kv = await this.deps.store.get(this.deps.key);
    if (kv !== null && kv.lease === lease.id && kv.value === value) return { createRevision: kv.createRevision };
    await lease.revoke();
    return null;
  }

  private async campaign(): Promise<void> {
    while (!this.stopped) {
      let attempt: { lease: Lease; value: string } | undefined;
      try {
        const lease = (this.lease ??= await this.deps.store.grantLease(this.deps.ttlSeconds));
        const value = JSON.stringify({ id: this.deps.id, address: this.deps.address, since: new Date().toISOString() } satisfies LeaderRecord);
        attempt = { lease, value };
        let won: { createRevision: number } | null;
        try {
          const r = await this.deps.store.txn({
            compare: [{ key: this.deps.key, target: 'createRevision', op: '==', value: 0 }],
            success: [{ type: 'put', key: this.deps.key, value, lease: lease.id }],
          });
          won = r.succeeded ? { createRevision: r.revision } : null;
        } catch (err) {
          this.deps.logger.warn({ err }, 'leader campaign got no reply; reading the leader key to resolve it');
          won = await this.resolveLostCampaign(lease, value);
          if (won === null) this.lease = undefined;
        }
        attempt = undefined;
        if (won !== null) {
          this.leadingSince = { createRevision: won.createRevision, value };
          this.deps.logger.info({ id: this.deps.id, revision: won.createRevision }, 'elected leader');
          this.emit('elected');
          await Promise.race([lease.lost, this.untilStopped()]);
          this.leadingSince = undefined;
          this.lease = undefined;
          this.deps.logger.warn({ id: this.deps.id }, 'no longer leader');
          this.emit('deposed');
          continue;
        }
      } catch (err) {
        this.deps.logger.warn({ err }, 'leader campaign failed; retrying');
        // Never drop a lease that may hold the key: revoke it (best effort; it expires after its TTL anyway).
        if (attempt !== undefined) await attempt.lease.revoke().catch(() => undefined);
        else await this.lease?.revoke().catch(() => undefined);
        this.lease = undefined;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private stopWaiters: (() => void)[] = [];
  private untilStopped(): Promise<void> {
    return new Promise((r) => this.stopWaiters.push(r));
  }

  /** Steps down (revoking the lease so a follower takes over at once) and stops campaigning. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.stopWaiters.splice(0)) w();
    const lease = this.lease;
    this.lease = undefined;
    await lease?.revoke();
    await this.loop;
  }
}
