import { describe, expect, it } from 'vitest';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import { createLogger } from '../../../shared/src/log/logger.js';
import { LeaderElection } from './leader-election.js';
import { ErrorCode, LetheError } from '../../../shared/src/errors/errors.js';
import type { StateStore, TxnRequest } from '../../../shared/src/ports/state-store.js';
import { eventually } from '../../../test/support/eventually.js';

const logger = createLogger({ service: 'test', level: 'silent' });

/** A client of `real` whose first leader campaign commits but whose reply is lost (a timeout after the commit). */
function loseFirstCampaignReply(real: StateStore, over: Partial<StateStore> = {}): { store: StateStore; lost: () => boolean } {
  let lost = false;
  const store: StateStore = Object.assign(Object.create(real) as StateStore, {
    txn: async (req: TxnRequest) => {
      const r = await real.txn(req);
      if (!lost && req.success.some((op) => op.type === 'put' && op.key === '/t/leader')) {
        lost = true;
        throw new LetheError(ErrorCode.DEADLINE_EXCEEDED, 'etcd txn: deadline exceeded');
      }
      return r;
    },
    ...over,
  });
  return { store, lost: () => lost };
}

describe('LeaderElection', () => {
  it('elects exactly one of two replicas; the deposed one can no longer write; the other takes over', async () => {
    const backend = new InMemoryStateBackend();
    const sa = backend.client();
    const sb = backend.client();
    const a = new LeaderElection({ store: sa, key: '/t/leader', id: 'a', address: 'a:1', ttlSeconds: 1, logger });
    const b = new LeaderElection({ store: sb, key: '/t/leader', id: 'b', address: 'b:1', ttlSeconds: 1, logger });
    a.start();
    await eventually('a leads', 2000, () => Promise.resolve(a.isLeader));
    b.start();
    await new Promise((r) => setTimeout(r, 500));
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect((await b.leader())?.id).toBe('a');
    const fenceOfA = a.fence();
    expect((await sa.txn({ compare: fenceOfA, success: [{ type: 'put', key: '/t/x', value: 'a' }] })).succeeded).toBe(true);
    // b's fence never holds while a leads.
    expect((await sb.txn({ compare: b.fence(), success: [{ type: 'put', key: '/t/x', value: 'b' }] })).succeeded).toBe(false);

    // a's process dies (its client closes): its lease expires, b is elected, and a's old fence fails.
    await sa.close();
    await eventually('b leads', 5000, () => Promise.resolve(b.isLeader));
    expect((await sb.txn({ compare: fenceOfA, success: [{ type: 'put', key: '/t/x', value: 'stale' }] })).succeeded).toBe(false);
    expect((await sb.txn({ compare: b.fence(), success: [{ type: 'put', key: '/t/x', value: 'b' }] })).succeeded).toBe(true);
    expect((await sb.get('/t/x'))?.value).toBe('b');
    await b.stop();
    expect(await sb.get('/t/leader')).toBeNull(); // stepping down releases the key at once
    await a.stop();
  });

  it('resolves a campaign whose reply was lost after etcd committed it: it leads, and no lease is orphaned', async () => {
    const backend = new InMemoryStateBackend();
    const real = backend.client();
    // The first campaign commits, then its caller sees a timeout (the reply was lost).
    const lossy = loseFirstCampaignReply(real);
    const a = new LeaderElection({ store: lossy.store, key: '/t/leader', id: 'a', address: 'a:1', ttlSeconds: 1, logger });
    const b = new LeaderElection({ store: backend.client(), key: '/t/leader', id: 'b', address: 'b:1', ttlSeconds: 1, logger });
    a.start();
    b.start();
    await eventually('someone leads', 5000, () => Promise.resolve(a.isLeader || b.isLeader));
    expect(lossy.lost()).toBe(true);
    // a's lost campaign did take the key: a leads with it (the key names a and a's fence holds).
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    expect((await real.get('/t/leader'))?.value).toContain('"id":"a"');
    expect((await real.txn({ compare: a.fence(), success: [] })).succeeded).toBe(true);
    // When a steps down, b takes over: no orphaned lease keeps the key.
    await a.stop();
    await eventually('b leads after a steps down', 5000, () => Promise.resolve(b.isLeader));
    await b.stop();
  });

  it('revokes the lease of a lost campaign that did not take the key', async () => {
    const backend = new InMemoryStateBackend();
    const real = backend.client();
    // b holds the key; a's campaign fails (compare) but its reply is lost.
    const b = new LeaderElection({ store: backend.client(), key: '/t/leader', id: 'b', address: 'b:1', ttlSeconds: 1, logger });
    b.start();
    await eventually('b leads', 2000, () => Promise.resolve(b.isLeader));
    const revoked: string[] = [];
    const lossy = loseFirstCampaignReply(real, {
      grantLease: async (ttl: number) => {
        const lease = await real.grantLease(ttl);
        return { ...lease, revoke: async () => {
          revoked.push(lease.id);
          await lease.revoke();
        } };
      },
    });
    const a = new LeaderElection({ store: lossy.store, key: '/t/leader', id: 'a', address: 'a:1', ttlSeconds: 1, logger });
    a.start();
    await eventually('the lost campaign resolved', 3000, () => Promise.resolve(lossy.lost() && revoked.length === 1));
    expect(a.isLeader).toBe(false);
    expect((await real.get('/t/leader'))?.value).toContain('"id":"b"');
    await a.stop();
    await b.stop();
  });
});
